// Every op of ir/ops/ConvOps.td: parse, verify (result types are inferred
// and checked) and print; printing must be a fixed point.
// Output size: OH = (H + pad_top + pad_bottom - dilation*(KH-1) - 1) / stride + 1.
// RUN: nabla-opt --split-input-file %s | FileCheck %s
// RUN: nabla-opt --split-input-file %s | nabla-opt --split-input-file | FileCheck %s

// conv2d with the bias operand present and absent; all attributes defaulted
// (nothing printed) or spelled out.
// CHECK-LABEL: func @conv2d
// CHECK: nabla.conv2d %arg0, %arg1, %arg2 {pads = [0, 0, 0, 0], strides = [1, 1]} : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
// CHECK: nabla.conv2d %arg0, %arg1 : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x24x24xf32>
// CHECK: nabla.conv2d %arg3, %arg4 : (tensor<2x3x7x7xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x5x5xf32>
func @conv2d(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>, %b: tensor<30xf32>,
             %y: tensor<2x3x7x7xf32>, %v: tensor<4x3x3x3xf32>)
    -> (tensor<?x30x24x24xf32>, tensor<?x30x24x24xf32>, tensor<2x4x5x5xf32>) {
  %0 = nabla.conv2d %x, %w, %b {strides = [1, 1], pads = [0, 0, 0, 0]}
      : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
  %1 = nabla.conv2d %x, %w : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x24x24xf32>
  %2 = nabla.conv2d %y, %v : (tensor<2x3x7x7xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x5x5xf32>
  return %0, %1, %2 : tensor<?x30x24x24xf32>, tensor<?x30x24x24xf32>, tensor<2x4x5x5xf32>
}

// -----

// The textbook's example: a 5x6 input, pad 2, stride 1, 4x4 filter -> 6x7.
// CHECK-LABEL: func @conv2d_textbook
// CHECK: nabla.conv2d %arg0, %arg1 {pads = [2, 2, 2, 2]} : (tensor<1x1x5x6xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x6x7xf32>
func @conv2d_textbook(%x: tensor<1x1x5x6xf32>, %w: tensor<1x1x4x4xf32>) -> tensor<1x1x6x7xf32> {
  %0 = nabla.conv2d %x, %w {pads = [2, 2, 2, 2]} : (tensor<1x1x5x6xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x6x7xf32>
  return %0 : tensor<1x1x6x7xf32>
}

// -----

// Strides per axis, asymmetric pads [top, left, bottom, right], dilation 2
// (a 5x5 span) and two groups: OH = (10+1+0-5)/2+1 = 4, OW = (10+0+2-5)/1+1 = 8.
// CHECK-LABEL: func @conv2d_all_attributes
// CHECK: nabla.conv2d %arg0, %arg1, %arg2 {dilations = [2, 2], groups = 2 : i64, pads = [1, 0, 0, 2], strides = [2, 1]} : (tensor<1x4x10x10xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x4x8xf32>
func @conv2d_all_attributes(%x: tensor<1x4x10x10xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>)
    -> tensor<1x6x4x8xf32> {
  %0 = nabla.conv2d %x, %w, %b {strides = [2, 1], pads = [1, 0, 0, 2], dilations = [2, 2], groups = 2}
      : (tensor<1x4x10x10xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x4x8xf32>
  return %0 : tensor<1x6x4x8xf32>
}

// -----

// Dynamic spatial sizes and channels stay dynamic.
// CHECK-LABEL: func @conv2d_dynamic
// CHECK: nabla.conv2d %arg0, %arg1 : (tensor<?x3x?x?xf32>, tensor<8x3x3x3xf32>) -> tensor<?x8x?x?xf32>
// CHECK: nabla.conv2d %arg2, %arg1 : (tensor<2x?x9x9xf32>, tensor<8x3x3x3xf32>) -> tensor<2x8x7x7xf32>
func @conv2d_dynamic(%x: tensor<?x3x?x?xf32>, %w: tensor<8x3x3x3xf32>, %y: tensor<2x?x9x9xf32>)
    -> (tensor<?x8x?x?xf32>, tensor<2x8x7x7xf32>) {
  %0 = nabla.conv2d %x, %w : (tensor<?x3x?x?xf32>, tensor<8x3x3x3xf32>) -> tensor<?x8x?x?xf32>
  %1 = nabla.conv2d %y, %w : (tensor<2x?x9x9xf32>, tensor<8x3x3x3xf32>) -> tensor<2x8x7x7xf32>
  return %0, %1 : tensor<?x8x?x?xf32>, tensor<2x8x7x7xf32>
}

// -----

// CHECK-LABEL: func @max_pool2d
// CHECK: nabla.max_pool2d %arg0 {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
// CHECK: nabla.max_pool2d %arg1 {kernel_shape = [2, 2]} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
// CHECK: nabla.max_pool2d %arg2 {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
func @max_pool2d(%x: tensor<?x30x24x24xf32>, %y: tensor<1x1x4x4xf32>, %z: tensor<1x2x5x5xf32>)
    -> (tensor<?x30x12x12xf32>, tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>) {
  %0 = nabla.max_pool2d %x {kernel_shape = [2, 2], strides = [2, 2]}
      : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  %1 = nabla.max_pool2d %y {kernel_shape = [2, 2]} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  %2 = nabla.max_pool2d %z {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]}
      : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
  return %0, %1, %2 : tensor<?x30x12x12xf32>, tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// avg_pool2d; a 5x5 input with 2x2/2 windows drops the last row and column.
// CHECK-LABEL: func @avg_pool2d
// CHECK: nabla.avg_pool2d %arg0 {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32>
// CHECK: nabla.avg_pool2d %arg1 {count_include_pad = true, kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
// CHECK: nabla.avg_pool2d %arg1 {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32>
func @avg_pool2d(%x: tensor<?x3x8x8xf32>, %y: tensor<1x2x5x5xf32>)
    -> (tensor<?x3x4x4xf32>, tensor<1x2x3x3xf32>, tensor<1x2x2x2xf32>) {
  %0 = nabla.avg_pool2d %x {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32>
  %1 = nabla.avg_pool2d %y {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1], count_include_pad = true}
      : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
  %2 = nabla.avg_pool2d %y {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32>
  return %0, %1, %2 : tensor<?x3x4x4xf32>, tensor<1x2x3x3xf32>, tensor<1x2x2x2xf32>
}

// -----

// im2col: [N*OH*OW, C*KH*KW]; a dynamic batch makes the row count dynamic.
// CHECK-LABEL: func @im2col
// CHECK: nabla.im2col %arg0 {kernel_shape = [5, 5]} : (tensor<10x3x7x7xf32>) -> tensor<90x75xf32>
// CHECK: nabla.im2col %arg1 {kernel_shape = [5, 5]} : (tensor<?x1x28x28xf32>) -> tensor<?x25xf32>
// CHECK: nabla.im2col %arg2 {kernel_shape = [4, 4], pads = [2, 2, 2, 2]} : (tensor<2x1x5x6xf32>) -> tensor<84x16xf32>
// CHECK: nabla.im2col %arg0 {dilations = [2, 1], kernel_shape = [2, 3], strides = [2, 2]} : (tensor<10x3x7x7xf32>) -> tensor<90x18xf32>
func @im2col(%x: tensor<10x3x7x7xf32>, %y: tensor<?x1x28x28xf32>, %z: tensor<2x1x5x6xf32>)
    -> (tensor<90x75xf32>, tensor<?x25xf32>, tensor<84x16xf32>, tensor<90x18xf32>) {
  %0 = nabla.im2col %x {kernel_shape = [5, 5]} : (tensor<10x3x7x7xf32>) -> tensor<90x75xf32>
  %1 = nabla.im2col %y {kernel_shape = [5, 5]} : (tensor<?x1x28x28xf32>) -> tensor<?x25xf32>
  %2 = nabla.im2col %z {kernel_shape = [4, 4], pads = [2, 2, 2, 2]} : (tensor<2x1x5x6xf32>) -> tensor<84x16xf32>
  %3 = nabla.im2col %x {kernel_shape = [2, 3], strides = [2, 2], dilations = [2, 1]}
      : (tensor<10x3x7x7xf32>) -> tensor<90x18xf32>
  return %0, %1, %2, %3 : tensor<90x75xf32>, tensor<?x25xf32>, tensor<84x16xf32>, tensor<90x18xf32>
}

// -----

// col2im: the inverse shapes of the im2col cases above.
// CHECK-LABEL: func @col2im
// CHECK: nabla.col2im %arg0 {image_size = [7, 7], kernel_shape = [5, 5]} : (tensor<90x75xf32>) -> tensor<10x3x7x7xf32>
// CHECK: nabla.col2im %arg1 {image_size = [28, 28], kernel_shape = [5, 5]} : (tensor<?x25xf32>) -> tensor<?x1x28x28xf32>
// CHECK: nabla.col2im %arg2 {image_size = [5, 6], kernel_shape = [4, 4], pads = [2, 2, 2, 2]} : (tensor<84x16xf32>) -> tensor<2x1x5x6xf32>
// CHECK: nabla.col2im %arg3 {dilations = [2, 1], image_size = [7, 7], kernel_shape = [2, 3], strides = [2, 2]} : (tensor<90x18xf32>) -> tensor<10x3x7x7xf32>
func @col2im(%a: tensor<90x75xf32>, %b: tensor<?x25xf32>, %c: tensor<84x16xf32>, %d: tensor<90x18xf32>)
    -> (tensor<10x3x7x7xf32>, tensor<?x1x28x28xf32>, tensor<2x1x5x6xf32>, tensor<10x3x7x7xf32>) {
  %0 = nabla.col2im %a {kernel_shape = [5, 5], image_size = [7, 7]} : (tensor<90x75xf32>) -> tensor<10x3x7x7xf32>
  %1 = nabla.col2im %b {kernel_shape = [5, 5], image_size = [28, 28]} : (tensor<?x25xf32>) -> tensor<?x1x28x28xf32>
  %2 = nabla.col2im %c {kernel_shape = [4, 4], image_size = [5, 6], pads = [2, 2, 2, 2]}
      : (tensor<84x16xf32>) -> tensor<2x1x5x6xf32>
  %3 = nabla.col2im %d {kernel_shape = [2, 3], image_size = [7, 7], strides = [2, 2], dilations = [2, 1]}
      : (tensor<90x18xf32>) -> tensor<10x3x7x7xf32>
  return %0, %1, %2, %3 : tensor<10x3x7x7xf32>, tensor<?x1x28x28xf32>, tensor<2x1x5x6xf32>, tensor<10x3x7x7xf32>
}

// -----

// CHECK-LABEL: func @max_pool2d_with_indices
// CHECK: %{{.*}}, %{{.*}} = nabla.max_pool2d_with_indices %arg0 {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> (tensor<?x30x12x12xf32>, tensor<?x30x12x12xi32>)
// CHECK: nabla.max_pool2d_with_indices %arg1 {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x2x5x5xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xi32>)
func @max_pool2d_with_indices(%x: tensor<?x30x24x24xf32>, %z: tensor<1x2x5x5xf32>)
    -> (tensor<?x30x12x12xf32>, tensor<?x30x12x12xi32>, tensor<1x2x3x3xi32>) {
  %p, %i = nabla.max_pool2d_with_indices %x {kernel_shape = [2, 2], strides = [2, 2]}
      : (tensor<?x30x24x24xf32>) -> (tensor<?x30x12x12xf32>, tensor<?x30x12x12xi32>)
  %q, %j = nabla.max_pool2d_with_indices %z {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]}
      : (tensor<1x2x5x5xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xi32>)
  return %p, %i, %j : tensor<?x30x12x12xf32>, tensor<?x30x12x12xi32>, tensor<1x2x3x3xi32>
}
