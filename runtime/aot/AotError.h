/* The AOT runtime's error reporting: one message per thread, set by the call
 * that failed and read back through nabla_aot_last_error(). C, so that AOT
 * libraries need no C++ runtime. */
#ifndef NABLA_AOT_ERROR_H
#define NABLA_AOT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Replaces this thread's last error with the printf-formatted message. */
void nabla_aot_set_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* This thread's last error ("" when nothing failed yet). */
const char *nabla_aot_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
