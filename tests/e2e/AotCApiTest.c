/* The generated header compiles as C99 and the library links with the C
 * toolchain alone (no C++ runtime): create with a missing file fails cleanly,
 * and with the build's weights one prediction runs. Exit 0 on success. */
#include "simple_convnet.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: aot_c_api_test WEIGHTS\n");
    return 2;
  }
  if (simple_convnet_create("/nonexistent/simple_convnet.weights") != NULL ||
      strstr(simple_convnet_last_error(), "cannot open weights file") == NULL) {
    fprintf(stderr, "expected a clean error, got: %s\n", simple_convnet_last_error());
    return 1;
  }
  simple_convnet_model *model = simple_convnet_create(argv[1]);
  if (!model) {
    fprintf(stderr, "create failed: %s\n", simple_convnet_last_error());
    return 1;
  }
  static float x[2 * SIMPLE_CONVNET_X_SIZE], logits[2 * SIMPLE_CONVNET_LOGITS_SIZE];
  int status = simple_convnet_predict(model, 2, x, logits);
  if (status != 0) fprintf(stderr, "predict failed: %s\n", simple_convnet_last_error());
  simple_convnet_destroy(model);
  return status == 0 ? 0 : 1;
}
