// Every op of ir/ops/GradientOps.td: parse, verify (result types are
// inferred and checked) and print; printing must be a fixed point.
// RUN: nabla-opt --split-input-file %s | FileCheck %s
// RUN: nabla-opt --split-input-file %s | nabla-opt --split-input-file | FileCheck %s

// conv2d_backward_data for SimpleConvNet's conv, and for a strided, padded,
// dilated, grouped conv whose stride leaves H ambiguous (10 and 11 both give
// OH 4): image_size picks it.
// CHECK-LABEL: func @conv2d_backward_data
// CHECK: nabla.conv2d_backward_data %arg0, %arg1 {image_size = [28, 28]} : (tensor<?x30x24x24xf32>, tensor<30x1x5x5xf32>) -> tensor<?x1x28x28xf32>
// CHECK: nabla.conv2d_backward_data %arg2, %arg3 {dilations = [2, 2], groups = 2 : i64, image_size = [10, 10], pads = [1, 0, 0, 2], strides = [2, 1]} : (tensor<1x6x4x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x4x10x10xf32>
// CHECK: nabla.conv2d_backward_data %arg2, %arg3 {dilations = [2, 2], groups = 2 : i64, image_size = [11, 10], pads = [1, 0, 0, 2], strides = [2, 1]} : (tensor<1x6x4x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x4x11x10xf32>
func @conv2d_backward_data(%dy: tensor<?x30x24x24xf32>, %w: tensor<30x1x5x5xf32>,
                           %dz: tensor<1x6x4x8xf32>, %v: tensor<6x2x3x3xf32>)
    -> (tensor<?x1x28x28xf32>, tensor<1x4x10x10xf32>, tensor<1x4x11x10xf32>) {
  %0 = nabla.conv2d_backward_data %dy, %w {image_size = [28, 28]}
      : (tensor<?x30x24x24xf32>, tensor<30x1x5x5xf32>) -> tensor<?x1x28x28xf32>
  %1 = nabla.conv2d_backward_data %dz, %v
      {image_size = [10, 10], strides = [2, 1], pads = [1, 0, 0, 2], dilations = [2, 2], groups = 2}
      : (tensor<1x6x4x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x4x10x10xf32>
  %2 = nabla.conv2d_backward_data %dz, %v
      {image_size = [11, 10], strides = [2, 1], pads = [1, 0, 0, 2], dilations = [2, 2], groups = 2}
      : (tensor<1x6x4x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x4x11x10xf32>
  return %0, %1, %2 : tensor<?x1x28x28xf32>, tensor<1x4x10x10xf32>, tensor<1x4x11x10xf32>
}

// -----

// CHECK-LABEL: func @conv2d_backward_filter
// CHECK: nabla.conv2d_backward_filter %arg0, %arg1 {kernel_shape = [5, 5]} : (tensor<?x1x28x28xf32>, tensor<?x30x24x24xf32>) -> tensor<30x1x5x5xf32>
// CHECK: nabla.conv2d_backward_filter %arg2, %arg3 {dilations = [2, 2], groups = 2 : i64, kernel_shape = [3, 3], pads = [1, 0, 0, 2], strides = [2, 1]} : (tensor<1x4x10x10xf32>, tensor<1x6x4x8xf32>) -> tensor<6x2x3x3xf32>
func @conv2d_backward_filter(%x: tensor<?x1x28x28xf32>, %dy: tensor<?x30x24x24xf32>,
                             %y: tensor<1x4x10x10xf32>, %dz: tensor<1x6x4x8xf32>)
    -> (tensor<30x1x5x5xf32>, tensor<6x2x3x3xf32>) {
  %0 = nabla.conv2d_backward_filter %x, %dy {kernel_shape = [5, 5]}
      : (tensor<?x1x28x28xf32>, tensor<?x30x24x24xf32>) -> tensor<30x1x5x5xf32>
  %1 = nabla.conv2d_backward_filter %y, %dz
      {kernel_shape = [3, 3], strides = [2, 1], pads = [1, 0, 0, 2], dilations = [2, 2], groups = 2}
      : (tensor<1x4x10x10xf32>, tensor<1x6x4x8xf32>) -> tensor<6x2x3x3xf32>
  return %0, %1 : tensor<30x1x5x5xf32>, tensor<6x2x3x3xf32>
}

// -----

// CHECK-LABEL: func @max_pool2d_backward
// CHECK: nabla.max_pool2d_backward %arg0, %arg1 {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
// CHECK: nabla.max_pool2d_backward %arg2, %arg3 {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x2x5x5xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32>
func @max_pool2d_backward(%x: tensor<?x30x24x24xf32>, %dy: tensor<?x30x12x12xf32>,
                          %y: tensor<1x2x5x5xf32>, %dz: tensor<1x2x3x3xf32>)
    -> (tensor<?x30x24x24xf32>, tensor<1x2x5x5xf32>) {
  %0 = nabla.max_pool2d_backward %x, %dy {kernel_shape = [2, 2], strides = [2, 2]}
      : (tensor<?x30x24x24xf32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
  %1 = nabla.max_pool2d_backward %y, %dz {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]}
      : (tensor<1x2x5x5xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32>
  return %0, %1 : tensor<?x30x24x24xf32>, tensor<1x2x5x5xf32>
}

// -----

// CHECK-LABEL: func @max_pool2d_indices_backward
// CHECK: nabla.max_pool2d_indices_backward %arg0, %arg1 {image_size = [24, 24], kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x12x12xi32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
func @max_pool2d_indices_backward(%i: tensor<?x30x12x12xi32>, %dy: tensor<?x30x12x12xf32>)
    -> tensor<?x30x24x24xf32> {
  %0 = nabla.max_pool2d_indices_backward %i, %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [24, 24]}
      : (tensor<?x30x12x12xi32>, tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
  return %0 : tensor<?x30x24x24xf32>
}

// -----

// CHECK-LABEL: func @avg_pool2d_backward
// CHECK: nabla.avg_pool2d_backward %arg0 {image_size = [24, 24], kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
// CHECK: nabla.avg_pool2d_backward %arg1 {count_include_pad = true, image_size = [5, 5], kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32>
func @avg_pool2d_backward(%dy: tensor<?x30x12x12xf32>, %dz: tensor<1x2x3x3xf32>)
    -> (tensor<?x30x24x24xf32>, tensor<1x2x5x5xf32>) {
  %0 = nabla.avg_pool2d_backward %dy {kernel_shape = [2, 2], strides = [2, 2], image_size = [24, 24]}
      : (tensor<?x30x12x12xf32>) -> tensor<?x30x24x24xf32>
  %1 = nabla.avg_pool2d_backward %dz
      {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1], image_size = [5, 5], count_include_pad = true}
      : (tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32>
  return %0, %1 : tensor<?x30x24x24xf32>, tensor<1x2x5x5xf32>
}

// -----

// CHECK-LABEL: func @batch_norm_backward
// CHECK: nabla.batch_norm_backward %arg0, %arg1, %arg2 : (tensor<?x100xf32>, tensor<100xf32>, tensor<?x100xf32>) -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
// CHECK: nabla.batch_norm_backward %arg3, %arg4, %arg3 {epsilon = 1.000000e-03 : f32} : (tensor<8x16x4x4xf32>, tensor<16xf32>, tensor<8x16x4x4xf32>) -> (tensor<8x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>)
func @batch_norm_backward(%x: tensor<?x100xf32>, %g: tensor<100xf32>, %dy: tensor<?x100xf32>,
                          %y: tensor<8x16x4x4xf32>, %h: tensor<16xf32>)
    -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<8x16x4x4xf32>) {
  %0, %1, %2 = nabla.batch_norm_backward %x, %g, %dy
      : (tensor<?x100xf32>, tensor<100xf32>, tensor<?x100xf32>)
      -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
  %3, %4, %5 = nabla.batch_norm_backward %y, %h, %y {epsilon = 1.0e-3 : f32}
      : (tensor<8x16x4x4xf32>, tensor<16xf32>, tensor<8x16x4x4xf32>)
      -> (tensor<8x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>)
  return %0, %1, %2, %3 : tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>, tensor<8x16x4x4xf32>
}

// -----

// CHECK-LABEL: func @softmax_cross_entropy_backward
// CHECK: nabla.softmax_cross_entropy_backward %arg0, %arg1, %arg2 : (tensor<?x10xf32>, tensor<?xi64>, tensor<f32>) -> tensor<?x10xf32>
// CHECK: nabla.softmax_cross_entropy_backward %arg3, %arg4, %arg2 : (tensor<4x10xf32>, tensor<4x10xf32>, tensor<f32>) -> tensor<4x10xf32>
// CHECK: nabla.softmax_cross_entropy_backward %arg3, %arg5, %arg2 : (tensor<4x10xf32>, tensor<4xi32>, tensor<f32>) -> tensor<4x10xf32>
func @softmax_cross_entropy_backward(%l: tensor<?x10xf32>, %t: tensor<?xi64>, %g: tensor<f32>,
                                     %ls: tensor<4x10xf32>, %oh: tensor<4x10xf32>, %ti: tensor<4xi32>)
    -> (tensor<?x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>) {
  %0 = nabla.softmax_cross_entropy_backward %l, %t, %g
      : (tensor<?x10xf32>, tensor<?xi64>, tensor<f32>) -> tensor<?x10xf32>
  %1 = nabla.softmax_cross_entropy_backward %ls, %oh, %g
      : (tensor<4x10xf32>, tensor<4x10xf32>, tensor<f32>) -> tensor<4x10xf32>
  %2 = nabla.softmax_cross_entropy_backward %ls, %ti, %g
      : (tensor<4x10xf32>, tensor<4xi32>, tensor<f32>) -> tensor<4x10xf32>
  return %0, %1, %2 : tensor<?x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>
}

// -----

// A static grad_output is compatible with a dynamic-batch input.
// CHECK-LABEL: func @batch_norm_backward_static_grad
// CHECK: nabla.batch_norm_backward %arg0, %arg1, %arg2 : (tensor<?x100xf32>, tensor<100xf32>, tensor<32x100xf32>) -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
func @batch_norm_backward_static_grad(%x: tensor<?x100xf32>, %g: tensor<100xf32>, %dy: tensor<32x100xf32>)
    -> tensor<?x100xf32> {
  %0, %1, %2 = nabla.batch_norm_backward %x, %g, %dy
      : (tensor<?x100xf32>, tensor<100xf32>, tensor<32x100xf32>)
      -> (tensor<?x100xf32>, tensor<100xf32>, tensor<100xf32>)
  return %0 : tensor<?x100xf32>
}
