/* fuzz: what every libFuzzer harness in this folder shares.  A harness
 * feeds the fuzzer's bytes to one parser and checks properties of what the
 * parser accepted; a broken property aborts, which libFuzzer reports as a
 * crash with the input that caused it. */
#ifndef CASCADE_FUZZ_H
#define CASCADE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input, for APIs that take strings; an
 * input holding a NUL reads as the string before it, as a header would. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define FUZZ_CHECK(cond, ...)                                                                                \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "%s:%d: property broken: %s: ", __FILE__, __LINE__, #cond);          \
			fprintf(stderr, __VA_ARGS__);                                                        \
			fputc('\n', stderr);                                                                 \
			abort();                                                                             \
		}                                                                                            \
	} while (0)

#endif
