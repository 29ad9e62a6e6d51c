// RUN: nabla-opt --split-input-file --nabla-autodiff --nabla-train-step="optimizer=momentum" %s | FileCheck %s

// Momentum: one velocity per parameter, the learning rate and momentum as
// scalar arguments; results are the loss, the new parameter and its velocity.
// CHECK-LABEL: func @loss_train_step
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<3x2xf32> {nabla.name = "w", nabla.role = "param"}
// CHECK-SAME: %[[V:[a-z0-9]+]]: tensor<3x2xf32> {nabla.name = "w/v", nabla.role = "opt_state"}
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f32> {nabla.name = "lr", nabla.role = "hyper"}
// CHECK-SAME: %[[WD:[a-z0-9]+]]: tensor<f32> {nabla.name = "weight_decay", nabla.role = "hyper"}
// CHECK-SAME: %[[MOM:[a-z0-9]+]]: tensor<f32> {nabla.name = "momentum", nabla.role = "hyper"}
// CHECK-SAME: %[[SCALE:[a-z0-9]+]]: tensor<f32> {nabla.name = "grad_scale", nabla.role = "hyper"}
// CHECK-SAME: -> (tensor<f32>, tensor<3x2xf32> {nabla.name = "w"}, tensor<3x2xf32> {nabla.name = "w/v"})
// CHECK: %[[G:.*]] = nabla.matmul %arg0, %{{.*}} {transpose_lhs = true}
// CHECK: %[[DECAY:.*]] = nabla.mul %[[WD]], %[[W]]
// CHECK: %[[REG:.*]] = nabla.add %[[G]], %[[DECAY]]
// CHECK: %[[MV:.*]] = nabla.mul %[[MOM]], %[[V]]
// CHECK: %[[SG:.*]] = nabla.mul %[[SCALE]], %[[REG]]
// CHECK: %[[NEWV:.*]] = nabla.add %[[MV]], %[[SG]]
// CHECK: %[[STEP:.*]] = nabla.mul %[[LR]], %[[NEWV]]
// CHECK: %[[NEWW:.*]] = nabla.sub %[[W]], %[[STEP]]
// CHECK: return %{{.*}}, %[[NEWW]], %[[NEWV]]
func @loss(%x: tensor<?x3xf32> {nabla.name = "x", nabla.role = "input"},
           %w: tensor<3x2xf32> {nabla.name = "w", nabla.role = "param"}) -> tensor<f32> {
  %y = nabla.matmul %x, %w : (tensor<?x3xf32>, tensor<3x2xf32>) -> tensor<?x2xf32>
  %l = nabla.reduce_sum %y : (tensor<?x2xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
