# nabla_add_aot_model: compile a nabla model ahead of time at build time with
# nablac and use the result as a CMake library.
#
#   nabla_add_aot_model(NAME <name>   # file stem and C prefix: <name>.h, <name>_create()
#     MODEL <library model (simple_convnet, ...) | path to a .mlir or .onnx file>
#     [LIBRARY <target>]          # the CMake target's name; default: <name>
#     [ENTRY <function>]          # default: forward
#     [WEIGHTS <checkpoint.pb>]   # trained parameters for <name>.weights
#     [TARGETS <target>...]       # host (default), host-cuda, Halide target strings
#     [OUTPUT_DIR <dir>])         # default: ${CMAKE_CURRENT_BINARY_DIR}/<name>
#
# For each target, nablac writes <dir>/<target>/<name>.{a,h,weights} and an
# IMPORTED static library target is defined: <library> for host,
# <library>_cuda for host-cuda (<library>_<target as an identifier> for
# others), carrying the header's directory and the system libraries it needs.
# Link it and #include "<name>.h". The weights file's path is the target's
# NABLA_AOT_WEIGHTS property and <library>[_suffix]_WEIGHTS in the caller's scope.
#
# The library does not depend on weight values: without WEIGHTS, library
# models get their initial parameters (seed 0) as a placeholder and file
# models get no weights file; programs load trained weights at run time
# (nablac --weights checkpoint.pb ... writes them).
#
# nablac is the `nablac` target inside nabla's build tree, `nabla::nablac`
# from an installed nabla (find_package(nabla)), or the NABLA_NABLAC variable.
function(nabla_add_aot_model)
  cmake_parse_arguments(PARSE_ARGV 0 AOT "" "NAME;MODEL;LIBRARY;ENTRY;WEIGHTS;OUTPUT_DIR" "TARGETS")
  set(name ${AOT_NAME})
  if(AOT_UNPARSED_ARGUMENTS OR NOT name)
    message(FATAL_ERROR "nabla_add_aot_model: NAME is required; unknown arguments: "
                        "${AOT_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT AOT_LIBRARY)
    set(AOT_LIBRARY ${name})
  endif()
  if(NOT AOT_MODEL)
    message(FATAL_ERROR "nabla_add_aot_model(${name}): MODEL is required")
  endif()
  if(NOT AOT_ENTRY)
    set(AOT_ENTRY forward)
  endif()
  if(NOT AOT_TARGETS)
    set(AOT_TARGETS host)
  endif()
  if(NOT AOT_OUTPUT_DIR)
    set(AOT_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/${name})
  endif()

  if(TARGET nablac)
    set(nablac $<TARGET_FILE:nablac>)
    set(nablac_dependency nablac)
  elseif(TARGET nabla::nablac)
    set(nablac $<TARGET_FILE:nabla::nablac>)
    set(nablac_dependency nabla::nablac)
  elseif(NABLA_NABLAC)
    set(nablac ${NABLA_NABLAC})
    set(nablac_dependency ${NABLA_NABLAC})
  else()
    message(FATAL_ERROR "nabla_add_aot_model(${name}): no nablac (build inside nabla, "
                        "find_package(nabla), or set NABLA_NABLAC)")
  endif()

  set(depends ${nablac_dependency})
  set(has_weights FALSE)
  if(AOT_MODEL MATCHES "\\.(mlir|onnx)$")
    get_filename_component(model_file "${AOT_MODEL}" ABSOLUTE)
    set(model_args ${model_file})
    list(APPEND depends ${model_file})
  else()
    set(model_args --model ${AOT_MODEL})
    set(has_weights TRUE) # the initial parameters
  endif()
  set(weights_args)
  if(AOT_WEIGHTS)
    get_filename_component(weights_file "${AOT_WEIGHTS}" ABSOLUTE)
    set(weights_args --weights ${weights_file})
    list(APPEND depends ${weights_file})
    set(has_weights TRUE)
  endif()

  foreach(target IN LISTS AOT_TARGETS)
    if(target STREQUAL "host")
      set(library ${AOT_LIBRARY})
    else()
      string(REGEX REPLACE "^host-" "" suffix "${target}")
      string(MAKE_C_IDENTIFIER "${suffix}" suffix)
      set(library ${AOT_LIBRARY}_${suffix})
    endif()
    set(dir ${AOT_OUTPUT_DIR}/${target})
    set(outputs ${dir}/${name}.a ${dir}/${name}.h)
    if(has_weights)
      list(APPEND outputs ${dir}/${name}.weights)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${nablac} ${model_args} --target ${target} --entry ${AOT_ENTRY} --name ${name}
              ${weights_args} -o ${dir}
      DEPENDS ${depends}
      COMMENT "nablac: compiling ${name} (@${AOT_ENTRY}) ahead of time for ${target}"
      VERBATIM)
    add_custom_target(${library}_aot_outputs DEPENDS ${outputs})

    # Imported targets need their include directory to exist at configure time.
    file(MAKE_DIRECTORY ${dir})
    add_library(${library} STATIC IMPORTED GLOBAL)
    set_target_properties(${library} PROPERTIES
      IMPORTED_LOCATION ${dir}/${name}.a
      INTERFACE_INCLUDE_DIRECTORIES ${dir}
      # The Halide runtime inside uses threads and, for GPUs, dlopen.
      INTERFACE_LINK_LIBRARIES "-lpthread;${CMAKE_DL_LIBS}")
    add_dependencies(${library} ${library}_aot_outputs)
    set_target_properties(${library} PROPERTIES NABLA_AOT_WEIGHTS ${dir}/${name}.weights)
    set(${library}_WEIGHTS ${dir}/${name}.weights PARENT_SCOPE)
  endforeach()
endfunction()
