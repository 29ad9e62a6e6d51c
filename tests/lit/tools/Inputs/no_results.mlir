// A function that returns nothing: there is no pipeline to compile.
func @main() {
  return
}
