/* Runs the AOT-compiled TwoLayerNet once on a batch of 3 and prints the
 * logits' size: proof that the installed package built and linked it. */
#include "two_layer_net.h"

#include <stdio.h>

int main(void) {
  static float x[3 * TWO_LAYER_NET_X_SIZE], logits[3 * TWO_LAYER_NET_LOGITS_SIZE];
  two_layer_net_model *model = two_layer_net_create(WEIGHTS);
  if (!model || two_layer_net_predict(model, 3, x, logits) != 0) {
    fprintf(stderr, "consumer: %s\n", two_layer_net_last_error());
    return 1;
  }
  two_layer_net_destroy(model);
  printf("consumer: %d logits\n", 3 * TWO_LAYER_NET_LOGITS_SIZE);
  return 0;
}
