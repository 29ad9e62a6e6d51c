#include "runtime/aot/AotError.h"

#include <stdarg.h>
#include <stdio.h>

/* Thread-local, so concurrent callers never read each other's messages and
 * a failed create (which has no model to hang the message on) can report. */
static _Thread_local char last_error[2048];

void nabla_aot_set_error(const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(last_error, sizeof last_error, format, args);
  va_end(args);
}

const char *nabla_aot_last_error(void) { return last_error; }
