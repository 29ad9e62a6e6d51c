// RUN: nabla-opt --split-input-file --nabla-autodiff --nabla-apply-gradients="optimizer=momentum" %s | FileCheck %s

// Momentum applied to given gradients: the parameter and its gradient as
// arguments, then the velocity and the scalar hyperparameters; results are
// the new parameter and velocity. The gradient function stays as it was.
// CHECK-LABEL: func @loss_grad
// CHECK-LABEL: func @loss_apply_gradients
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<3x2xf32> {nabla.name = "w", nabla.role = "param"}
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<3x2xf32> {nabla.name = "grad:w", nabla.role = "grad"}
// CHECK-SAME: %[[V:[a-z0-9]+]]: tensor<3x2xf32> {nabla.name = "w/v", nabla.role = "opt_state"}
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f32> {nabla.name = "lr", nabla.role = "hyper"}
// CHECK-SAME: %[[WD:[a-z0-9]+]]: tensor<f32> {nabla.name = "weight_decay", nabla.role = "hyper"}
// CHECK-SAME: %[[MOM:[a-z0-9]+]]: tensor<f32> {nabla.name = "momentum", nabla.role = "hyper"}
// CHECK-SAME: %[[SCALE:[a-z0-9]+]]: tensor<f32> {nabla.name = "grad_scale", nabla.role = "hyper"}
// CHECK-SAME: -> (tensor<3x2xf32> {nabla.name = "w"}, tensor<3x2xf32> {nabla.name = "w/v"})
// CHECK-NEXT: %[[DECAY:.*]] = nabla.mul %[[WD]], %[[W]]
// CHECK-NEXT: %[[REG:.*]] = nabla.add %[[G]], %[[DECAY]]
// CHECK-NEXT: %[[MV:.*]] = nabla.mul %[[MOM]], %[[V]]
// CHECK-NEXT: %[[SG:.*]] = nabla.mul %[[SCALE]], %[[REG]]
// CHECK-NEXT: %[[NEWV:.*]] = nabla.add %[[MV]], %[[SG]]
// CHECK-NEXT: %[[STEP:.*]] = nabla.mul %[[LR]], %[[NEWV]]
// CHECK-NEXT: %[[NEWW:.*]] = nabla.sub %[[W]], %[[STEP]]
// CHECK-NEXT: return %[[NEWW]], %[[NEWV]]
func @loss(%x: tensor<?x3xf32> {nabla.name = "x", nabla.role = "input"},
           %w: tensor<3x2xf32> {nabla.name = "w", nabla.role = "param"}) -> tensor<f32> {
  %y = nabla.matmul %x, %w : (tensor<?x3xf32>, tensor<3x2xf32>) -> tensor<?x2xf32>
  %l = nabla.reduce_sum %y : (tensor<?x2xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Running statistics are the gradient function's business: only parameters
// get an argument and an update here.
// CHECK-LABEL: func @loss_apply_gradients
// CHECK-SAME: (%{{.*}}: tensor<2xf32> {nabla.name = "b", nabla.role = "param"}, %{{.*}}: tensor<2xf32> {nabla.name = "grad:b", nabla.role = "grad"}, %{{.*}}: tensor<2xf32> {nabla.name = "b/v", nabla.role = "opt_state"}
// CHECK-NOT: running
// CHECK: return
func @loss(%x: tensor<?x2xf32> {nabla.name = "x", nabla.role = "input"},
           %b: tensor<2xf32> {nabla.name = "b", nabla.role = "param"},
           %m: tensor<2xf32> {nabla.name = "running", nabla.role = "state"}) -> (tensor<f32>, tensor<2xf32>) {
  %y = nabla.add %x, %b : (tensor<?x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %l = nabla.reduce_sum %y : (tensor<?x2xf32>) -> tensor<f32>
  %s = nabla.add %m, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %l, %s : tensor<f32>, tensor<2xf32>
}
