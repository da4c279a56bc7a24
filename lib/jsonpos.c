/* jsonpos: the strict JSON parser behind scenario files and --set values.
 * cJSON keeps no positions, so this one pass reads the text, rejects what
 * cJSON would let through, records where each key is, and builds the cJSON
 * tree itself: the text is parsed once. */
#include "jsonpos.h"

#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void cjson_oom(void)
{
	fprintf(stderr, "cascade: out of memory in cJSON\n");
	abort();
}

cJSON *jsonpos_must(cJSON *item)
{
	if (!item)
		cjson_oom();
	return item;
}

void jsonpos_must_ok(int ok)
{
	if (!ok)
		cjson_oom();
}

/* ---- the index ----------------------------------------------------------- */

static void pos_add(struct jsonpos *pos, const char *path, int line, int col)
{
	if (pos->n == pos->cap) {
		pos->cap = pos->cap ? pos->cap * 2 : 32;
		pos->v = xrealloc(pos->v, pos->cap * sizeof(*pos->v));
	}
	pos->v[pos->n++] = (struct jsonpos_key){xstrdup(path), line, col};
}

const struct jsonpos_key *jsonpos_find(const struct jsonpos *pos, const char *path)
{
	for (size_t i = 0; pos && i < pos->n; i++)
		if (!strcmp(pos->v[i].path, path))
			return &pos->v[i];
	return NULL;
}

void jsonpos_free(struct jsonpos *pos)
{
	for (size_t i = 0; i < pos->n; i++)
		free(pos->v[i].path);
	free(pos->v);
	*pos = (struct jsonpos){0};
}

void jsonpos_line_col(const char *text, size_t off, int *line, int *col)
{
	size_t start = 0;
	*line = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = (int)(off - start) + 1;
}

/* ---- the scanner ---------------------------------------------------------- */

struct scan {
	const char *s;
	size_t len, i;
	int line;
	size_t line_start;   /* offset of the first byte of the current line */
	struct jsonpos *pos; /* NULL: positions are not wanted */
	struct sbuf path;    /* path of the value being scanned */
	int depth;
	struct jsonpos_error *err;
};

static void path_truncate(struct sbuf *sb, size_t len)
{
	if (sb->cap && len <= sb->len) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

static void *scan_fail(struct scan *sc, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *scan_fail(struct scan *sc, size_t off, const char *fmt, ...)
{
	va_list ap;

	sc->err->syntax = true;
	jsonpos_line_col(sc->s, off, &sc->err->line, &sc->err->col);
	va_start(ap, fmt);
	vsnprintf(sc->err->msg, sizeof(sc->err->msg), fmt, ap);
	va_end(ap);
	return NULL;
}

/* scan_fail for the functions that return 0 / -1. */
#define FAIL(...) (scan_fail(__VA_ARGS__), -1)

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->len) {
		char c = sc->s[sc->i];
		if (c == '\n') {
			sc->line++;
			sc->line_start = sc->i + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		sc->i++;
	}
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool starts_value(char c)
{
	return c == '"' || c == '{' || c == '[' || c == '-' || is_digit(c) || is_word_char(c) || c == '\'';
}

/* Why the byte at off cannot start a value (or a key, when key is set). */
static void *scan_unexpected(struct scan *sc, size_t off, bool key)
{
	if (off >= sc->len)
		return scan_fail(sc, off, "unexpected end of input");
	char c = sc->s[off];
	if (c == '\'')
		return scan_fail(sc, off, "strings need double quotes");
	if (c == '/')
		return scan_fail(sc, off, "comments are not allowed in JSON");
	if (is_word_char(c)) {
		size_t end = off;
		while (end < sc->len && is_word_char(sc->s[end]) && end - off < 40)
			end++;
		return scan_fail(sc, off, "unexpected '%.*s' (%s need double quotes)", (int)(end - off),
				 sc->s + off, key ? "keys" : "strings");
	}
	if (off == 0 && (unsigned char)c == 0xef)
		return scan_fail(sc, off, "byte order mark (save the file as UTF-8 without one)");
	if (key)
		return scan_fail(sc, off, "expected a key in double quotes");
	if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
		return scan_fail(sc, off, "unexpected byte 0x%02x", (unsigned char)c);
	return scan_fail(sc, off, "unexpected '%c' (expected a value)", c);
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void utf8_put(struct sbuf *sb, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	sbuf_add(sb, b, n);
}

/* A string at sc->i (on its opening quote), decoded into out (reset
 * first) the way cJSON decodes it.  0, or -1 after scan_fail. */
static int scan_string(struct scan *sc, struct sbuf *out)
{
	size_t open = sc->i++;

	sbuf_reset(out);
	for (;;) {
		if (sc->i >= sc->len || sc->s[sc->i] == '\n')
			return FAIL(sc, open, "unterminated string");
		unsigned char c = (unsigned char)sc->s[sc->i];
		if (c == '"') {
			sc->i++;
			return 0;
		}
		if (c < 0x20)
			return FAIL(sc, sc->i,
				    "raw control character 0x%02x in a string (write it as an escape)", c);
		if (c != '\\') {
			sbuf_add(out, &sc->s[sc->i], 1);
			sc->i++;
			continue;
		}
		size_t esc = sc->i;
		char e = sc->i + 1 < sc->len ? sc->s[sc->i + 1] : '\0';
		const char *plain = strchr("\"\\/bfnrt", e);
		if (e && plain) {
			static const char decoded[] = "\"\\/\b\f\n\r\t";
			sbuf_add(out, &decoded[plain - "\"\\/bfnrt"], 1);
			sc->i += 2;
			continue;
		}
		if (e != 'u')
			return FAIL(sc, esc, "invalid escape in a string");
		unsigned cp;
		if (sc->i + 6 > sc->len || hex4(sc->s + sc->i + 2, &cp) < 0)
			return FAIL(sc, esc, "invalid \\u escape (needs 4 hex digits)");
		sc->i += 6;
		if (cp == 0)
			return FAIL(sc, esc, "\\u0000 is not allowed in a string");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return FAIL(sc, esc, "invalid \\u escape (unpaired surrogate)");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			unsigned lo;
			if (sc->i + 6 > sc->len || sc->s[sc->i] != '\\' || sc->s[sc->i + 1] != 'u' ||
			    hex4(sc->s + sc->i + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
				return FAIL(sc, esc, "invalid \\u escape (unpaired surrogate)");
			sc->i += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		utf8_put(out, cp);
	}
}

static cJSON *scan_number(struct scan *sc)
{
	size_t start = sc->i;
	const char *s = sc->s;

	if (s[sc->i] == '-')
		sc->i++;
	if (sc->i < sc->len && s[sc->i] == '0') {
		sc->i++;
		if (sc->i < sc->len && is_digit(s[sc->i]))
			return scan_fail(sc, start, "invalid number (no leading zeros)");
	} else if (sc->i < sc->len && is_digit(s[sc->i])) {
		while (sc->i < sc->len && is_digit(s[sc->i]))
			sc->i++;
	} else {
		return scan_fail(sc, start, "invalid number");
	}
	if (sc->i < sc->len && s[sc->i] == '.') {
		sc->i++;
		if (sc->i >= sc->len || !is_digit(s[sc->i]))
			return scan_fail(sc, start, "invalid number (needs a digit after '.')");
		while (sc->i < sc->len && is_digit(s[sc->i]))
			sc->i++;
	}
	if (sc->i < sc->len && (s[sc->i] == 'e' || s[sc->i] == 'E')) {
		sc->i++;
		if (sc->i < sc->len && (s[sc->i] == '+' || s[sc->i] == '-'))
			sc->i++;
		if (sc->i >= sc->len || !is_digit(s[sc->i]))
			return scan_fail(sc, start, "invalid number (bad exponent)");
		while (sc->i < sc->len && is_digit(s[sc->i]))
			sc->i++;
	}
	/* "duration": 60s is a likely slip; say so rather than "missing ','". */
	if (sc->i < sc->len && is_word_char(s[sc->i])) {
		size_t end = sc->i;
		while (end < sc->len && is_word_char(s[end]) && end - start < 40)
			end++;
		return scan_fail(sc, start, "unexpected '%.*s' (strings need double quotes)",
				 (int)(end - start), s + start);
	}
	/* cJSON would turn 1e999 into infinity, and keeps integers in a
	 * double: past 2^53 9007199254740993 would silently read as ...992. */
	char *text = xmalloc(sc->i - start + 1);
	memcpy(text, s + start, sc->i - start);
	text[sc->i - start] = '\0';
	double v = strtod(text, NULL);
	/* 2^53 itself is exact; the rounding makes anything above compare equal. */
	bool inexact = !strpbrk(text, ".eE") && fabs(v) >= 9007199254740992.0 &&
		       strcmp(text + (text[0] == '-'), "9007199254740992");
	free(text);
	if (!isfinite(v))
		return scan_fail(sc, start, "number out of range");
	if (inexact)
		return scan_fail(sc, start, "integer out of range (above 2^53 it is not exact)");
	return jsonpos_must(cJSON_CreateNumber(v));
}

static cJSON *scan_value(struct scan *sc);

static cJSON *scan_object(struct scan *sc)
{
	size_t parent_len = sc->path.len;
	int *first_line = NULL; /* line of each member so far, by index */
	size_t nmembers = 0, cap = 0;
	struct sbuf key = SBUF_INIT;
	cJSON *obj = jsonpos_must(cJSON_CreateObject());
	bool ok = false;

	sc->i++; /* '{' */
	skip_ws(sc);
	if (sc->i < sc->len && sc->s[sc->i] == '}') {
		sc->i++;
		return obj;
	}
	for (;;) {
		skip_ws(sc);
		if (sc->i >= sc->len) {
			scan_fail(sc, sc->i, "unexpected end of input (an object is not closed)");
			goto done;
		}
		if (sc->s[sc->i] != '"') {
			scan_unexpected(sc, sc->i, true);
			goto done;
		}
		int line = sc->line, col = (int)(sc->i - sc->line_start) + 1;
		if (scan_string(sc, &key) < 0)
			goto done;
		path_truncate(&sc->path, parent_len);
		if (parent_len)
			sbuf_adds(&sc->path, ".");
		sbuf_adds(&sc->path, sbuf_str(&key));
		size_t k = 0;
		for (const cJSON *m = obj->child; m; m = m->next, k++) {
			if (!strcmp(m->string, sbuf_str(&key))) {
				sc->err->syntax = false;
				sc->err->line = line;
				sc->err->col = col;
				snprintf(sc->err->msg, sizeof(sc->err->msg),
					 "%s: duplicate key (first at line %d)", sbuf_str(&sc->path),
					 first_line[k]);
				goto done;
			}
		}
		if (sc->pos)
			pos_add(sc->pos, sbuf_str(&sc->path), line, col);

		skip_ws(sc);
		if (sc->i >= sc->len || sc->s[sc->i] != ':') {
			scan_fail(sc, sc->i, "expected ':' after the key");
			goto done;
		}
		sc->i++;
		skip_ws(sc);
		cJSON *value = scan_value(sc);
		if (!value)
			goto done;
		jsonpos_must_ok(cJSON_AddItemToObject(obj, sbuf_str(&key), value));
		if (nmembers == cap) {
			cap = cap ? cap * 2 : 8;
			first_line = xrealloc(first_line, cap * sizeof(*first_line));
		}
		first_line[nmembers++] = line;
		path_truncate(&sc->path, parent_len);
		skip_ws(sc);
		if (sc->i >= sc->len) {
			scan_fail(sc, sc->i, "unexpected end of input (an object is not closed)");
			goto done;
		}
		if (sc->s[sc->i] == '}') {
			sc->i++;
			break;
		}
		if (sc->s[sc->i] != ',') {
			scan_fail(sc, sc->i,
				  starts_value(sc->s[sc->i]) ? "missing ',' before this member"
							     : "expected ',' or '}'");
			goto done;
		}
		size_t comma = sc->i++;
		skip_ws(sc);
		if (sc->i < sc->len && sc->s[sc->i] == '}') {
			scan_fail(sc, comma, "trailing comma before '}'");
			goto done;
		}
	}
	ok = true;
done:
	path_truncate(&sc->path, parent_len);
	free(first_line);
	sbuf_free(&key);
	if (!ok) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static cJSON *scan_array(struct scan *sc)
{
	size_t parent_len = sc->path.len;
	cJSON *arr = jsonpos_must(cJSON_CreateArray());

	sc->i++; /* '[' */
	skip_ws(sc);
	if (sc->i < sc->len && sc->s[sc->i] == ']') {
		sc->i++;
		return arr;
	}
	for (size_t n = 0;; n++) {
		skip_ws(sc);
		path_truncate(&sc->path, parent_len);
		sbuf_addf(&sc->path, "[%zu]", n);
		if (sc->pos && sc->i < sc->len)
			pos_add(sc->pos, sbuf_str(&sc->path), sc->line, (int)(sc->i - sc->line_start) + 1);
		cJSON *value = scan_value(sc);
		path_truncate(&sc->path, parent_len);
		if (!value)
			goto fail;
		jsonpos_must_ok(cJSON_AddItemToArray(arr, value));
		skip_ws(sc);
		if (sc->i >= sc->len) {
			scan_fail(sc, sc->i, "unexpected end of input (an array is not closed)");
			goto fail;
		}
		if (sc->s[sc->i] == ']') {
			sc->i++;
			return arr;
		}
		if (sc->s[sc->i] != ',') {
			scan_fail(sc, sc->i,
				  starts_value(sc->s[sc->i]) ? "missing ',' before this element"
							     : "expected ',' or ']'");
			goto fail;
		}
		size_t comma = sc->i++;
		skip_ws(sc);
		if (sc->i < sc->len && sc->s[sc->i] == ']') {
			scan_fail(sc, comma, "trailing comma before ']'");
			goto fail;
		}
	}
fail:
	cJSON_Delete(arr);
	return NULL;
}

static cJSON *scan_value(struct scan *sc)
{
	if (sc->i >= sc->len)
		return scan_fail(sc, sc->i, "unexpected end of input (expected a value)");
	char c = sc->s[sc->i];
	if (c == '{' || c == '[') {
		if (sc->depth >= JSONPOS_MAX_DEPTH)
			return scan_fail(sc, sc->i, "nesting deeper than %d levels", JSONPOS_MAX_DEPTH);
		sc->depth++;
		cJSON *v = c == '{' ? scan_object(sc) : scan_array(sc);
		sc->depth--;
		return v;
	}
	if (c == '"') {
		struct sbuf str = SBUF_INIT;
		cJSON *v = NULL;
		if (scan_string(sc, &str) == 0)
			v = jsonpos_must(cJSON_CreateString(sbuf_str(&str)));
		sbuf_free(&str);
		return v;
	}
	if (c == '-' || is_digit(c))
		return scan_number(sc);
	static const char *const words[] = {"true", "false", "null"};
	for (size_t k = 0; k < ARRAY_LEN(words); k++) {
		size_t n = strlen(words[k]);
		if (sc->len - sc->i >= n && !memcmp(sc->s + sc->i, words[k], n) &&
		    (sc->i + n == sc->len || !is_word_char(sc->s[sc->i + n]))) {
			sc->i += n;
			return jsonpos_must(k == 2 ? cJSON_CreateNull() : cJSON_CreateBool(k == 0));
		}
	}
	return scan_unexpected(sc, sc->i, false);
}

cJSON *jsonpos_parse(const char *text, size_t len, const char *prefix, struct jsonpos *pos,
		     struct jsonpos_error *err)
{
	struct scan sc = {.s = text, .len = len, .line = 1, .pos = pos, .err = err};
	cJSON *doc = NULL;

	*err = (struct jsonpos_error){0};
	sbuf_adds(&sc.path, prefix);
	skip_ws(&sc);
	if (sc.i >= sc.len) {
		scan_fail(&sc, sc.i, "empty document");
		goto done;
	}
	doc = scan_value(&sc);
	if (!doc)
		goto done;
	skip_ws(&sc);
	if (sc.i < sc.len) {
		scan_fail(&sc, sc.i, "unexpected text after the end of the document");
		cJSON_Delete(doc);
		doc = NULL;
	}
done:
	sbuf_free(&sc.path);
	return doc;
}
