// Lesson: backpropagation on a computational graph (chapter 5). The
// apple-shopping graph, total = (apple * apple_num + orange * orange_num) * tax,
// is written with the DSL; the forward pass gives the bill and the autodiff
// pass (--nabla-autodiff) builds @loss_grad, whose results are the derivatives
// of the bill with respect to every input. Nothing here differentiates by hand.
#include "examples/ExampleSupport.h"
#include "examples/GraphCall.h"
#include "frontend/Ops.h"

#include <CLI/CLI.hpp>

#include "llvm/Support/raw_ostream.h"

#include <cstdio>

using namespace nabla;
using namespace nabla::dsl;

int main(int argc, char **argv) {
  CLI::App app{"The apple-shopping computational graph: forward total and gradients by autodiff"};
  // The book's purchase: 2 apples at 100, 3 oranges at 150, 10% tax.
  double apple = 100, appleNum = 2, orange = 150, orangeNum = 3, tax = 1.1;
  std::string backend = "halide";
  bool printIr = false;
  app.add_option("--apple", apple, "price of one apple")->capture_default_str();
  app.add_option("--apple-num", appleNum, "apples bought")->capture_default_str();
  app.add_option("--orange", orange, "price of one orange")->capture_default_str();
  app.add_option("--orange-num", orangeNum, "oranges bought")->capture_default_str();
  app.add_option("--tax", tax, "tax factor")->capture_default_str();
  app.add_option("--backend", backend, "halide or reference")->capture_default_str();
  app.add_flag("--print-ir", printIr, "print the module after the autodiff pass");
  CLI11_PARSE(app, argc, argv);

  try {
    // Every quantity is a scalar parameter, so autodiff differentiates with
    // respect to each of them.
    ModelBuilder m("apple_graph");
    Var a = m.param("apple", {}, init::zeros());
    Var an = m.param("apple_num", {}, init::zeros());
    Var o = m.param("orange", {}, init::zeros());
    Var on = m.param("orange_num", {}, init::zeros());
    Var t = m.param("tax", {}, init::zeros());
    Var applePrice = a * an;
    Var orangePrice = o * on;
    Var allPrice = applePrice + orangePrice;
    Var total = allPrice * t;
    m.output("apple_price", applePrice);
    m.output("orange_price", orangePrice);
    m.output("all_price", allPrice);
    m.output("total", total);
    m.loss(total); // the value to differentiate

    examples::CompiledGraph graph =
        examples::compileGraph(m, {"forward", "loss_grad"}, examples::parseBackend(backend), true);
    if (printIr) graph.module->print(llvm::outs());

    examples::NamedTensors values = {
        {"apple", Tensor::scalar<float>(float(apple))},   {"apple_num", Tensor::scalar<float>(float(appleNum))},
        {"orange", Tensor::scalar<float>(float(orange))}, {"orange_num", Tensor::scalar<float>(float(orangeNum))},
        {"tax", Tensor::scalar<float>(float(tax))}};
    examples::NamedTensors forward = graph.call("forward", values);
    examples::NamedTensors grads = graph.call("loss_grad", values);

    std::printf("forward: apple_price %g, orange_price %g, all_price %g, total %g\n",
                forward.at("apple_price").at(0), forward.at("orange_price").at(0),
                forward.at("all_price").at(0), forward.at("total").at(0));
    // f32 arithmetic: print the float values at the precision they carry.
    std::printf("backward (d total / d input):\n");
    for (const char *name : {"apple", "apple_num", "orange", "orange_num", "tax"})
      std::printf("  d%-11s %.6g\n", name, grads.at(std::string("grad:") + name).at(0));
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "apple_graph: error: %s\n", e.what());
    return 1;
  }
}
