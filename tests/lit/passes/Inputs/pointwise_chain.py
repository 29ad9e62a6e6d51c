"""Prints a function of a chain of N pointwise ops on tensor<4x4xf32>, for
the tests of how long a chain the fusion passes inline.

  pointwise_chain.py N            v(i+1) = v(i) op y   (add, mul, sub in turn)
  pointwise_chain.py N --square   v(i+1) = v(i) * v(i) (each value read twice)
  pointwise_chain.py N --return-first
                                  returns v1 too, beside the last value
"""
import sys

n = int(sys.argv[1])
square = "--square" in sys.argv
return_first = "--return-first" in sys.argv
t = "tensor<4x4xf32>"
results = f"({t}, {t})" if return_first else t
print(f"func @chain(%x: {t}, %y: {t}) -> {results} {{")
previous = "%x"
for i in range(1, n + 1):
    op = "mul" if square else ["add", "mul", "sub"][i % 3]
    rhs = previous if square else "%y"
    print(f"  %v{i} = nabla.{op} {previous}, {rhs} : ({t}, {t}) -> {t}")
    previous = f"%v{i}"
returned = f"%v1, {previous} : {t}, {t}" if return_first else f"{previous} : {t}"
print(f"  return {returned}")
print("}")
