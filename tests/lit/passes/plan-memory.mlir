// RUN: nabla-opt --split-input-file --nabla-plan-memory %s | FileCheck %s
// RUN: nabla-opt --split-input-file --nabla-plan-memory=batch=100 %s | FileCheck %s --check-prefix=BATCH
// RUN: not nabla-opt --nabla-plan-memory=batch=0 %s 2>&1 | FileCheck %s --check-prefix=INVALID
// RUN: not nabla-opt --split-input-file --nabla-plan-memory=batch=9223372036854775807 %s 2>&1 | FileCheck %s --check-prefix=HUGE

// A chain: each value dies when the next is made, so two buffers alternate.
// 16 floats = 64 bytes each; the returned value goes to the caller (-1).
// CHECK-LABEL: func @chain
// CHECK-SAME: nabla.memory_plan = {arena_bytes = 128 : i64, batch = 1 : i64, buffers = 3 : i64, live_peak_bytes = 128 : i64, unplanned_bytes = 192 : i64}
// CHECK-NEXT: nabla.relu %arg0 {nabla.offsets = [0]}
// CHECK-NEXT: nabla.exp %{{.*}} {nabla.offsets = [64]}
// CHECK-NEXT: nabla.relu %{{.*}} {nabla.offsets = [0]}
// CHECK-NEXT: nabla.exp %{{.*}} {nabla.offsets = [-1]}
// Dynamic dimensions are the batch: 100 x 4 floats = 1600 bytes.
// BATCH-LABEL: func @chain
// BATCH-SAME: arena_bytes = 3200 : i64, batch = 100 : i64, buffers = 3 : i64, live_peak_bytes = 3200 : i64, unplanned_bytes = 4800 : i64
// INVALID: error: --nabla-plan-memory: batch must be at least 1, got 0
// A batch whose buffers would wrap int64 around: an error, not a tiny arena.
// HUGE: error: --nabla-plan-memory: result 0 ('tensor<?x{{.*}}xf32>') at batch 9223372036854775807 needs more than 2^48 bytes
func @chain(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %a = nabla.relu %x : tensor<?x4xf32>
  %b = nabla.exp %a : tensor<?x4xf32>
  %c = nabla.relu %b : tensor<?x4xf32>
  %d = nabla.exp %c : tensor<?x4xf32>
  return %d : tensor<?x4xf32>
}

// -----

// %a is read again at the end, so it never shares. An op's input and
// result are live together (%b and %c), but %b is dead by the time %d is made:
// %d takes %b's bytes.
// CHECK-LABEL: func @long_lived
// CHECK-SAME: arena_bytes = 192 : i64, batch = 1 : i64, buffers = 4 : i64, live_peak_bytes = 192 : i64, unplanned_bytes = 256 : i64
// CHECK-NEXT: nabla.relu %arg0 {nabla.offsets = [0]}
// CHECK-NEXT: nabla.exp %{{.*}} {nabla.offsets = [64]}
// CHECK-NEXT: nabla.relu %{{.*}} {nabla.offsets = [128]}
// CHECK-NEXT: nabla.exp %{{.*}} {nabla.offsets = [64]}
// CHECK-NEXT: nabla.add %{{.*}}, %{{.*}} {nabla.offsets = [-1]}
func @long_lived(%x: tensor<16xf32>) -> tensor<16xf32> {
  %a = nabla.relu %x : tensor<16xf32>
  %b = nabla.exp %a : tensor<16xf32>
  %c = nabla.relu %b : tensor<16xf32>
  %d = nabla.exp %c : tensor<16xf32>
  %e = nabla.add %a, %d : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %e : tensor<16xf32>
}

// -----

// Sizes differ: the large buffer is placed first; the small ones fit beside
// it while it is live and reuse its bytes after it dies. Sizes round up to
// 64 bytes (1 float -> 64).
// CHECK-LABEL: func @sizes
// CHECK-SAME: arena_bytes = 320 : i64, batch = 1 : i64, buffers = 3 : i64, live_peak_bytes = 320 : i64, unplanned_bytes = 384 : i64
// CHECK-NEXT: nabla.relu %arg0 {nabla.offsets = [0]} : tensor<64xf32>
// CHECK-NEXT: nabla.reduce_sum %{{.*}} {axes = [0], keepdims = true, nabla.offsets = [256]}
// CHECK-NEXT: nabla.exp %{{.*}} {nabla.offsets = [0]}
// CHECK-NEXT: nabla.relu %{{.*}} {nabla.offsets = [-1]}
func @sizes(%x: tensor<64xf32>) -> tensor<1xf32> {
  %big = nabla.relu %x : tensor<64xf32>
  %r = nabla.reduce_sum %big {axes = [0], keepdims = true} : (tensor<64xf32>) -> tensor<1xf32>
  %s = nabla.exp %r : tensor<1xf32>
  %t = nabla.relu %s : tensor<1xf32>
  return %t : tensor<1xf32>
}

// -----

// A value computed inside its consumer (nabla.inline) gets no buffer, and
// what it reads stays live until that consumer runs: %a is read by the
// inlined %b at %c's step, so %c cannot take %a's bytes.
// CHECK-LABEL: func @inlined
// CHECK-SAME: arena_bytes = 128 : i64, batch = 1 : i64, buffers = 2 : i64
// CHECK-NEXT: nabla.relu %arg0 {nabla.offsets = [0]}
// CHECK-NEXT: nabla.exp %{{.*}} {nabla.inline, nabla.offsets = [-1]}
// CHECK-NEXT: nabla.mul %{{.*}}, %{{.*}} {nabla.offsets = [64]}
// CHECK-NEXT: nabla.relu %{{.*}} {nabla.offsets = [-1]}
func @inlined(%x: tensor<16xf32>) -> tensor<16xf32> {
  %a = nabla.relu %x : tensor<16xf32>
  %b = nabla.exp %a {nabla.inline} : tensor<16xf32>
  %c = nabla.mul %b, %x : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %d = nabla.relu %c : tensor<16xf32>
  return %d : tensor<16xf32>
}

// -----

// A value inlined into several consumers (--nabla-fuse-loop-groups) is
// computed by each: what it reads stays live until the last of them runs.
// %b is inlined into %c and %e, so %a is read at %e's step and %d (made
// after %c, while %a is still needed) cannot take %a's bytes.
// CHECK-LABEL: func @inlined_twice
// CHECK-SAME: arena_bytes = 192 : i64, batch = 1 : i64, buffers = 3 : i64
// CHECK-NEXT: nabla.relu %arg0 {nabla.offsets = [0]}
// CHECK-NEXT: nabla.exp %{{.*}} {nabla.inline, nabla.offsets = [-1]}
// CHECK-NEXT: nabla.mul %{{.*}}, %arg0 {nabla.offsets = [64]}
// CHECK-NEXT: nabla.relu %{{.*}} {nabla.offsets = [128]}
// CHECK-NEXT: nabla.add %{{.*}}, %{{.*}} {nabla.offsets = [-1]}
func @inlined_twice(%x: tensor<16xf32>) -> tensor<16xf32> {
  %a = nabla.relu %x : tensor<16xf32>
  %b = nabla.exp %a {nabla.inline} : tensor<16xf32>
  %c = nabla.mul %b, %x : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %d = nabla.relu %c : tensor<16xf32>
  %e = nabla.add %b, %d : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %e : tensor<16xf32>
}
