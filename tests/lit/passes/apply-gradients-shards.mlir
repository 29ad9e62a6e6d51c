// RUN: nabla-opt --nabla-autodiff --nabla-apply-gradients="optimizer=sgd shards=3" %s | FileCheck %s
// RUN: not nabla-opt --nabla-autodiff --nabla-apply-gradients="shards=0" %s 2>&1 | FileCheck %s --check-prefix=ZERO

// Three shards' gradients of each parameter, then one weight per shard: the
// update is SGD's, applied to w0 * g0 + w1 * g1 + w2 * g2 summed in shard
// order.
// CHECK-LABEL: func @loss_apply_gradients
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<3x2xf32> {nabla.name = "w", nabla.role = "param"}
// CHECK-SAME: %[[B:[a-z0-9]+]]: tensor<2xf32> {nabla.name = "b", nabla.role = "param"}
// CHECK-SAME: %[[GW0:[a-z0-9]+]]: tensor<3x2xf32> {nabla.name = "grad:w@0", nabla.role = "grad"}
// CHECK-SAME: %[[GB0:[a-z0-9]+]]: tensor<2xf32> {nabla.name = "grad:b@0", nabla.role = "grad"}
// CHECK-SAME: %[[GW1:[a-z0-9]+]]: tensor<3x2xf32> {nabla.name = "grad:w@1", nabla.role = "grad"}
// CHECK-SAME: %[[GB1:[a-z0-9]+]]: tensor<2xf32> {nabla.name = "grad:b@1", nabla.role = "grad"}
// CHECK-SAME: %[[GW2:[a-z0-9]+]]: tensor<3x2xf32> {nabla.name = "grad:w@2", nabla.role = "grad"}
// CHECK-SAME: %[[GB2:[a-z0-9]+]]: tensor<2xf32> {nabla.name = "grad:b@2", nabla.role = "grad"}
// CHECK-SAME: %[[S0:[a-z0-9]+]]: tensor<f32> {nabla.name = "shard_weight@0", nabla.role = "shard_weight"}
// CHECK-SAME: %[[S1:[a-z0-9]+]]: tensor<f32> {nabla.name = "shard_weight@1", nabla.role = "shard_weight"}
// CHECK-SAME: %[[S2:[a-z0-9]+]]: tensor<f32> {nabla.name = "shard_weight@2", nabla.role = "shard_weight"}
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f32> {nabla.name = "lr", nabla.role = "hyper"}
// CHECK-SAME: -> (tensor<3x2xf32> {nabla.name = "w"}, tensor<2xf32> {nabla.name = "b"})
// CHECK-DAG: %[[W0:.*]] = nabla.mul %[[S0]], %[[GW0]]
// CHECK-DAG: %[[W1:.*]] = nabla.mul %[[S1]], %[[GW1]]
// CHECK-DAG: %[[W01:.*]] = nabla.add %[[W0]], %[[W1]]
// CHECK-DAG: %[[W2:.*]] = nabla.mul %[[S2]], %[[GW2]]
// CHECK-DAG: %[[GW:.*]] = nabla.add %[[W01]], %[[W2]]
// CHECK-DAG: %[[B0:.*]] = nabla.mul %[[S0]], %[[GB0]]
// CHECK-DAG: %[[B1:.*]] = nabla.mul %[[S1]], %[[GB1]]
// CHECK-DAG: %[[B01:.*]] = nabla.add %[[B0]], %[[B1]]
// CHECK-DAG: %[[B2:.*]] = nabla.mul %[[S2]], %[[GB2]]
// CHECK-DAG: %[[GB:.*]] = nabla.add %[[B01]], %[[B2]]
// CHECK-DAG: %[[STEPW:.*]] = nabla.mul %[[LR]], %{{.*}}
// CHECK-DAG: %[[NEWW:.*]] = nabla.sub %[[W]], %[[STEPW]]
// CHECK-DAG: %[[NEWB:.*]] = nabla.sub %[[B]], %{{.*}}
// CHECK: return %[[NEWW]], %[[NEWB]]

// ZERO: --nabla-apply-gradients: shards must be at least 1, got 0
func @loss(%x: tensor<?x3xf32> {nabla.name = "x", nabla.role = "input"},
           %w: tensor<3x2xf32> {nabla.name = "w", nabla.role = "param"},
           %b: tensor<2xf32> {nabla.name = "b", nabla.role = "param"}) -> tensor<f32> {
  %y = nabla.matmul %x, %w : (tensor<?x3xf32>, tensor<3x2xf32>) -> tensor<?x2xf32>
  %z = nabla.add %y, %b : (tensor<?x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %l = nabla.reduce_sum %z : (tensor<?x2xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
