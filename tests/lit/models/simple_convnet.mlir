// The textbook's SimpleConvNet (conv30@5x5 - relu - pool2x2 - affine100 -
// relu - affine10 - softmax) written by hand, with its training loss.
// RUN: nabla-opt %s | FileCheck %s
// RUN: nabla-opt %s | nabla-opt | FileCheck %s
// RUN: nabla-opt %s > %t.1 && nabla-opt %t.1 > %t.2 && diff %t.1 %t.2
// --canonicalize keeps the model valid (the output re-parses and verifies) and
// leaves every op below in place.
// RUN: nabla-opt --canonicalize %s | nabla-opt | FileCheck %s

// CHECK-LABEL: func @forward
// CHECK: call @logits
// CHECK: nabla.softmax %{{.*}} {axis = 1 : i64} : tensor<?x10xf32>
func @forward(%x: tensor<?x1x28x28xf32>, %w1: tensor<30x1x5x5xf32>, %b1: tensor<30xf32>,
              %w2: tensor<4320x100xf32>, %b2: tensor<100xf32>,
              %w3: tensor<100x10xf32>, %b3: tensor<10xf32>) -> tensor<?x10xf32> {
  %logits = call @logits(%x, %w1, %b1, %w2, %b2, %w3, %b3)
      : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>, tensor<4320x100xf32>,
         tensor<100xf32>, tensor<100x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %probs = nabla.softmax %logits {axis = 1} : tensor<?x10xf32>
  return %probs : tensor<?x10xf32>
}

// CHECK-LABEL: func @loss
// CHECK: nabla.softmax_cross_entropy %{{.*}}, %{{.*}} : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
func @loss(%x: tensor<?x1x28x28xf32>, %t: tensor<?xi64>, %w1: tensor<30x1x5x5xf32>,
           %b1: tensor<30xf32>, %w2: tensor<4320x100xf32>, %b2: tensor<100xf32>,
           %w3: tensor<100x10xf32>, %b3: tensor<10xf32>) -> tensor<f32> {
  %logits = call @logits(%x, %w1, %b1, %w2, %b2, %w3, %b3)
      : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>, tensor<4320x100xf32>,
         tensor<100xf32>, tensor<100x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %loss = nabla.softmax_cross_entropy %logits, %t : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// CHECK-LABEL: func private @logits
// CHECK: nabla.conv2d %{{.*}}, %{{.*}}, %{{.*}} {pads = [0, 0, 0, 0], strides = [1, 1]} : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
// CHECK: nabla.relu %{{.*}} : tensor<?x30x24x24xf32>
// CHECK: nabla.max_pool2d %{{.*}} {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
// CHECK: nabla.flatten %{{.*}} : (tensor<?x30x12x12xf32>) -> tensor<?x4320xf32>
// CHECK: nabla.matmul %{{.*}}, %{{.*}} : (tensor<?x4320xf32>, tensor<4320x100xf32>) -> tensor<?x100xf32>
func private @logits(%x: tensor<?x1x28x28xf32>, %w1: tensor<30x1x5x5xf32>, %b1: tensor<30xf32>,
                     %w2: tensor<4320x100xf32>, %b2: tensor<100xf32>,
                     %w3: tensor<100x10xf32>, %b3: tensor<10xf32>) -> tensor<?x10xf32> {
  %c1 = nabla.conv2d %x, %w1, %b1 {strides = [1, 1], pads = [0, 0, 0, 0]}
      : (tensor<?x1x28x28xf32>, tensor<30x1x5x5xf32>, tensor<30xf32>) -> tensor<?x30x24x24xf32>
  %r1 = nabla.relu %c1 : tensor<?x30x24x24xf32>
  %p1 = nabla.max_pool2d %r1 {kernel_shape = [2, 2], strides = [2, 2]}
      : (tensor<?x30x24x24xf32>) -> tensor<?x30x12x12xf32>
  %f = nabla.flatten %p1 : (tensor<?x30x12x12xf32>) -> tensor<?x4320xf32>
  %h = nabla.matmul %f, %w2 : (tensor<?x4320xf32>, tensor<4320x100xf32>) -> tensor<?x100xf32>
  %hb = nabla.add %h, %b2 : (tensor<?x100xf32>, tensor<100xf32>) -> tensor<?x100xf32>
  %r2 = nabla.relu %hb : tensor<?x100xf32>
  %o = nabla.matmul %r2, %w3 : (tensor<?x100xf32>, tensor<100x10xf32>) -> tensor<?x10xf32>
  %ob = nabla.add %o, %b3 : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %ob : tensor<?x10xf32>
}
