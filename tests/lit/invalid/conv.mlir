// Invalid uses of the ops of ir/ops/ConvOps.td; each diagnostic must name the
// op and the shapes or attributes at fault.
// RUN: nabla-opt --split-input-file --verify-diagnostics %s

func @conv2d_channel_mismatch(%x: tensor<?x3x28x28xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op input tensor<?x3x28x28xf32> has 3 channels but filter tensor<30x1x5x5xf32> expects 1 x groups 1}}
  %0 = nabla.conv2d %x, %w : (tensor<?x3x28x28xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x24x24xf32>
  return
}

// -----

func @conv2d_group_channel_mismatch(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op input tensor<1x4x8x8xf32> has 4 channels but filter tensor<6x1x3x3xf32> expects 1 x groups 2}}
  %0 = nabla.conv2d %x, %w {groups = 2} : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32>
  return
}

// -----

func @conv2d_outputs_not_divisible_by_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<5x2x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op filter tensor<5x2x3x3xf32> has 5 output channels, not divisible by groups = 2}}
  %0 = nabla.conv2d %x, %w {groups = 2} : (tensor<1x4x8x8xf32>, tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32>
  return
}

// -----

func @conv2d_zero_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op groups must be positive, got 0}}
  %0 = nabla.conv2d %x, %w {groups = 0} : (tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x6x6xf32>
  return
}

// -----

func @conv2d_zero_stride(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op strides must be positive, got [0, 1]}}
  %0 = nabla.conv2d %x, %w {strides = [0, 1]} : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func @conv2d_negative_stride(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op strides must be positive, got [1, -2]}}
  %0 = nabla.conv2d %x, %w {strides = [1, -2]} : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func @conv2d_stride_count(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op attribute 'strides' must have 2 entries, got [2]}}
  %0 = nabla.conv2d %x, %w {strides = [2]} : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

// A pad of -1 is printed as written, not as the dynamic size `?`.
func @conv2d_negative_pad(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op pads must be non-negative, got [1, -1, 1, 1]}}
  %0 = nabla.conv2d %x, %w {pads = [1, -1, 1, 1]} : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// pads are [top, left, bottom, right]: two entries are not enough.
func @conv2d_pad_count(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op attribute 'pads' must have 4 entries, got [1, 1]}}
  %0 = nabla.conv2d %x, %w {pads = [1, 1]} : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

func @conv2d_zero_dilation(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op dilations must be positive, got [0, 1]}}
  %0 = nabla.conv2d %x, %w {dilations = [0, 1]} : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func @conv2d_dilation_count(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op attribute 'dilations' must have 2 entries, got [1, 1, 1]}}
  %0 = nabla.conv2d %x, %w {dilations = [1, 1, 1]} : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

// A 5x5 window over a 3x3 input padded to 4x4.
func @conv2d_window_too_large(%x: tensor<1x1x3x3xf32>, %w: tensor<2x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op window [5, 5] does not fit the padded input tensor<1x1x3x3xf32> (pads [1, 1, 0, 0])}}
  %0 = nabla.conv2d %x, %w {pads = [1, 1, 0, 0]} : (tensor<1x1x3x3xf32>, tensor<2x1x5x5xf32>) -> tensor<1x2x1x1xf32>
  return
}

// -----

// Dilation 4 spreads a 3-tap kernel over 9 rows of a 7-row input. The overhang
// (7 - 9) / 1 + 1 = -1 once read as the dynamic size and the op verified.
func @conv2d_dilated_window_too_large(%x: tensor<1x1x7x7xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op window [9, 3] does not fit the padded input tensor<1x1x7x7xf32> (pads [0, 0, 0, 0])}}
  %0 = nabla.conv2d %x, %w {dilations = [4, 1]} : (tensor<1x1x7x7xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x?x5xf32>
  return
}

// -----

// conv2d has no kernel_shape attribute: the filter is what is wrong.
func @conv2d_zero_kernel(%x: tensor<1x1x7x7xf32>, %w: tensor<2x1x0x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op filter tensor<2x1x0x3xf32> must have a static, positive kernel size}}
  %0 = nabla.conv2d %x, %w : (tensor<1x1x7x7xf32>, tensor<2x1x0x3xf32>) -> tensor<1x2x8x5xf32>
  return
}

// -----

func @conv2d_dynamic_kernel(%x: tensor<1x1x7x7xf32>, %w: tensor<2x1x?x3xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op filter tensor<2x1x?x3xf32> must have a static, positive kernel size}}
  %0 = nabla.conv2d %x, %w : (tensor<1x1x7x7xf32>, tensor<2x1x?x3xf32>) -> tensor<1x2x?x5xf32>
  return
}

// -----

func @conv2d_bias_length(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>, %b: tensor<29xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op bias tensor<29xf32> must have one entry per output channel of tensor<30x1x5x5xf32>}}
  %0 = nabla.conv2d %x, %w, %b : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<29xf32>) -> tensor<?x30x24x24xf32>
  return
}

// -----

func @conv2d_bias_rank2(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>, %b: tensor<1x30xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op bias must have rank 1, got tensor<1x30xf32>}}
  %0 = nabla.conv2d %x, %w, %b : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<1x30xf32>) -> tensor<?x30x24x24xf32>
  return
}

// -----

func @conv2d_input_rank3(%x: tensor<1x28x28xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op input must have rank 4, got tensor<1x28x28xf32>}}
  %0 = nabla.conv2d %x, %w : (tensor<1x28x28xf32>, tensor<30x1x5x5xf32>) -> tensor<30x24x24xf32>
  return
}

// -----

func @conv2d_filter_rank2(%x: tensor<?x1x28x28xf32>, %w: tensor<30x25xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op filter must have rank 4, got tensor<30x25xf32>}}
  %0 = nabla.conv2d %x, %w : (tensor<?x1x28x28xf32>, tensor<30x25xf32>) -> tensor<?x30x24x24xf32>
  return
}

// -----

// Without padding a 5x5 filter shrinks 28 to 24.
func @conv2d_wrong_result_type(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op inferred type(s) 'tensor<?x30x24x24xf32>' are incompatible with return type(s) of operation 'tensor<?x30x28x28xf32>'}}
  %0 = nabla.conv2d %x, %w : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x28x28xf32>
  return
}

// -----

func @conv2d_unranked(%x: tensor<*xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op input must be a ranked tensor, got tensor<*xf32>}}
  %0 = nabla.conv2d %x, %w : (tensor<*xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x24x24xf32>
  return
}

// -----

func @conv2d_i32(%x: tensor<?x1x28x28xi32>, %w: tensor<30x1x5x5xi32>) {
  // expected-error @+1 {{'nabla.conv2d' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<?x1x28x28xi32>'}}
  %0 = nabla.conv2d %x, %w : (tensor<?x1x28x28xi32>, tensor<30x1x5x5xi32>) -> tensor<?x30x24x24xi32>
  return
}

// -----

// A mistyped attribute is reported as such, not replaced by its default.
func @conv2d_strides_not_array(%x: tensor<?x1x28x28xf32>, %w: tensor<30x1x5x5xf32>) {
  // expected-error @+1 {{'nabla.conv2d' op attribute 'strides' failed to satisfy constraint: 64-bit integer array attribute}}
  %0 = nabla.conv2d %x, %w {strides = 2} : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>) -> tensor<?x30x12x12xf32>
  return
}

// -----

func @max_pool2d_missing_kernel(%x: tensor<?x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d' op requires attribute 'kernel_shape'}}
  %0 = nabla.max_pool2d %x {strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  return
}

// -----

func @max_pool2d_kernel_count(%x: tensor<?x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d' op attribute 'kernel_shape' must have 2 entries, got [2]}}
  %0 = nabla.max_pool2d %x {kernel_shape = [2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  return
}

// -----

func @max_pool2d_zero_kernel(%x: tensor<?x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d' op kernel_shape must be positive, got [0, 2]}}
  %0 = nabla.max_pool2d %x {kernel_shape = [0, 2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  return
}

// -----

func @max_pool2d_negative_kernel(%x: tensor<?x30x24x24xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d' op kernel_shape must be positive, got [2, -1]}}
  %0 = nabla.max_pool2d %x {kernel_shape = [2, -1]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  return
}

// -----

func @max_pool2d_window_too_large(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d' op window [3, 3] does not fit the padded input tensor<1x1x2x2xf32> (pads [0, 0, 0, 0])}}
  %0 = nabla.max_pool2d %x {kernel_shape = [3, 3]} : (tensor<1x1x2x2xf32>) -> tensor<1x1x0x0xf32>
  return
}

// -----

// The window overhangs by less than a stride: (4 - 5) / 2 + 1 truncates to 1
// and once passed as one output.
func @max_pool2d_window_overhangs_by_less_than_a_stride(%x: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d' op window [5, 5] does not fit the padded input tensor<1x1x4x4xf32> (pads [0, 0, 0, 0])}}
  %0 = nabla.max_pool2d %x {kernel_shape = [5, 5], strides = [2, 2]} : (tensor<1x1x4x4xf32>) -> tensor<1x1x1x1xf32>
  return
}

// -----

func @max_pool2d_input_rank3(%x: tensor<30x24x24xf32>) {
  // expected-error @+1 {{'nabla.max_pool2d' op input must have rank 4, got tensor<30x24x24xf32>}}
  %0 = nabla.max_pool2d %x {kernel_shape = [2, 2]} : (tensor<30x24x24xf32>) -> tensor<30x23x23xf32>
  return
}

// -----

func @avg_pool2d_zero_stride(%x: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{'nabla.avg_pool2d' op strides must be positive, got [2, 0]}}
  %0 = nabla.avg_pool2d %x {kernel_shape = [2, 2], strides = [2, 0]} : (tensor<1x1x8x8xf32>) -> tensor<1x1x4x4xf32>
  return
}

// -----

func @avg_pool2d_negative_pad(%x: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{'nabla.avg_pool2d' op pads must be non-negative, got [0, 0, -1, 0]}}
  %0 = nabla.avg_pool2d %x {kernel_shape = [2, 2], pads = [0, 0, -1, 0]} : (tensor<1x1x8x8xf32>) -> tensor<1x1x6x7xf32>
  return
}

// -----

func @avg_pool2d_wrong_result_type(%x: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{'nabla.avg_pool2d' op inferred type(s) 'tensor<1x1x4x4xf32>' are incompatible with return type(s) of operation 'tensor<1x1x7x7xf32>'}}
  %0 = nabla.avg_pool2d %x {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x1x8x8xf32>) -> tensor<1x1x7x7xf32>
  return
}

// -----

func @avg_pool2d_i32(%x: tensor<1x1x8x8xi32>) {
  // expected-error @+1 {{'nabla.avg_pool2d' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<1x1x8x8xi32>'}}
  %0 = nabla.avg_pool2d %x {kernel_shape = [2, 2]} : (tensor<1x1x8x8xi32>) -> tensor<1x1x7x7xi32>
  return
}

// -----

func @im2col_input_rank3(%x: tensor<3x7x7xf32>) {
  // expected-error @+1 {{'nabla.im2col' op input must have rank 4, got tensor<3x7x7xf32>}}
  %0 = nabla.im2col %x {kernel_shape = [5, 5]} : (tensor<3x7x7xf32>) -> tensor<9x75xf32>
  return
}

// -----

func @im2col_window_too_large(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+1 {{'nabla.im2col' op window [5, 5] does not fit the padded input tensor<1x3x4x4xf32> (pads [0, 0, 0, 1])}}
  %0 = nabla.im2col %x {kernel_shape = [5, 5], pads = [0, 0, 0, 1]} : (tensor<1x3x4x4xf32>) -> tensor<1x75xf32>
  return
}

// -----

func @im2col_zero_dilation(%x: tensor<1x3x7x7xf32>) {
  // expected-error @+1 {{'nabla.im2col' op dilations must be positive, got [1, 0]}}
  %0 = nabla.im2col %x {kernel_shape = [2, 2], dilations = [1, 0]} : (tensor<1x3x7x7xf32>) -> tensor<36x12xf32>
  return
}

// -----

// 7x7 images with 5x5 windows give 9 rows per image; 91 is not a multiple.
func @col2im_rows_not_multiple(%x: tensor<91x75xf32>) {
  // expected-error @+1 {{'nabla.col2im' op input tensor<91x75xf32> has a row count that is not a multiple of 9 output pixels per image}}
  %0 = nabla.col2im %x {kernel_shape = [5, 5], image_size = [7, 7]} : (tensor<91x75xf32>) -> tensor<10x3x7x7xf32>
  return
}

// -----

func @col2im_columns_not_multiple(%x: tensor<90x74xf32>) {
  // expected-error @+1 {{'nabla.col2im' op input tensor<90x74xf32> must have a static column count that is a multiple of the window size 25}}
  %0 = nabla.col2im %x {kernel_shape = [5, 5], image_size = [7, 7]} : (tensor<90x74xf32>) -> tensor<10x3x7x7xf32>
  return
}

// -----

// The channel count C = columns / (KH*KW) must be known.
func @col2im_dynamic_columns(%x: tensor<90x?xf32>) {
  // expected-error @+1 {{'nabla.col2im' op input tensor<90x?xf32> must have a static column count that is a multiple of the window size 25}}
  %0 = nabla.col2im %x {kernel_shape = [5, 5], image_size = [7, 7]} : (tensor<90x?xf32>) -> tensor<10x?x7x7xf32>
  return
}

// -----

func @col2im_window_too_large(%x: tensor<90x75xf32>) {
  // expected-error @+1 {{'nabla.col2im' op window [5, 5] does not fit image_size [3, 3] (pads [1, 1, 0, 0])}}
  %0 = nabla.col2im %x {kernel_shape = [5, 5], image_size = [3, 3], pads = [1, 1, 0, 0]} : (tensor<90x75xf32>) -> tensor<10x3x3x3xf32>
  return
}

// -----

func @col2im_image_size_count(%x: tensor<90x75xf32>) {
  // expected-error @+1 {{'nabla.col2im' op attribute 'image_size' must have 2 entries, got [7]}}
  %0 = nabla.col2im %x {kernel_shape = [5, 5], image_size = [7]} : (tensor<90x75xf32>) -> tensor<10x3x7x7xf32>
  return
}

// -----

func @col2im_zero_image_size(%x: tensor<90x75xf32>) {
  // expected-error @+1 {{'nabla.col2im' op image_size must be positive, got [0, 7]}}
  %0 = nabla.col2im %x {kernel_shape = [1, 1], image_size = [0, 7]} : (tensor<90x75xf32>) -> tensor<10x3x7x7xf32>
  return
}

// -----

func @col2im_missing_image_size(%x: tensor<90x75xf32>) {
  // expected-error @+1 {{'nabla.col2im' op requires attribute 'image_size'}}
  %0 = nabla.col2im %x {kernel_shape = [5, 5]} : (tensor<90x75xf32>) -> tensor<10x3x7x7xf32>
  return
}

// -----

func @col2im_input_rank3(%x: tensor<10x90x75xf32>) {
  // expected-error @+1 {{'nabla.col2im' op input must have rank 2, got tensor<10x90x75xf32>}}
  %0 = nabla.col2im %x {kernel_shape = [5, 5], image_size = [7, 7]} : (tensor<10x90x75xf32>) -> tensor<10x3x7x7xf32>
  return
}

// -----

func @col2im_wrong_result_type(%x: tensor<90x75xf32>) {
  // expected-error @+1 {{'nabla.col2im' op inferred type(s) 'tensor<10x3x7x7xf32>' are incompatible with return type(s) of operation 'tensor<10x3x8x8xf32>'}}
  %0 = nabla.col2im %x {kernel_shape = [5, 5], image_size = [7, 7]} : (tensor<90x75xf32>) -> tensor<10x3x8x8xf32>
  return
}

// -----

func @avg_pool2d_input_rank5(%x: tensor<1x1x1x8x8xf32>) {
  // expected-error @+1 {{'nabla.avg_pool2d' op input must have rank 4, got tensor<1x1x1x8x8xf32>}}
  %0 = nabla.avg_pool2d %x {kernel_shape = [2, 2]} : (tensor<1x1x1x8x8xf32>) -> tensor<1x1x1x7x7xf32>
  return
}
