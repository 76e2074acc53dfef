/* mz_cachekey.c - the canonical key messages of CKEY-2 and CPUR-4: sorted
 * compact JSON with the writer's string escaping. Python-free. Twin:
 * mizan/core/_py/cachekey.py (which builds the same bytes with encode_json).
 */
#include "mz_base.h"

#include "mz_cachekey.h"

#include <stdlib.h>

/* qsort order of parameters: name bytes, then length (a proper prefix sorts
 * first), which is code-point order for valid UTF-8. */
static int
param_cmp(const void *a, const void *b)
{
    const mz_ckey_text *x = &((const mz_ckey_param *)a)->name;
    const mz_ckey_text *y = &((const mz_ckey_param *)b)->name;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = n == 0 ? 0 : memcmp(x->s, y->s, n);

    if (c != 0) {
        return c;
    }
    return x->n < y->n ? -1 : (x->n > y->n ? 1 : 0);
}

/* Append `"key":` (key is a plain ASCII literal with nothing to escape). */
static mz_status
put_key(mz_buf *out, const char *key)
{
    if (mz_buf_append_byte(out, '"') != MZ_OK ||
        mz_buf_append(out, key, strlen(key)) != MZ_OK ||
        mz_buf_append(out, "\":", 2) != MZ_OK) {
        return MZ_ERROR;
    }
    return MZ_OK;
}

static mz_status
put_text(mz_buf *out, mz_ckey_text text)
{
    return mz_buf_append_escaped(out, text.s, text.n);
}

mz_status
mz_cachekey_message(mz_buf *out,
                    mz_ckey_text context,
                    mz_ckey_param *params,
                    size_t n_params,
                    mz_ckey_text rev,
                    const mz_ckey_text *user,
                    mz_error *err)
{
    size_t i;

    if (rev.n == 0) {
        return mz_error_set(err, MZ_E_ENCODE, "rev has no digits");
    }
    if (n_params > 1) {
        qsort(params, n_params, sizeof(*params), param_cmp);
    }
    if (mz_buf_append_byte(out, '{') != MZ_OK || put_key(out, "c") != MZ_OK ||
        put_text(out, context) != MZ_OK ||
        mz_buf_append_byte(out, ',') != MZ_OK || put_key(out, "p") != MZ_OK ||
        mz_buf_append_byte(out, '{') != MZ_OK) {
        goto error;
    }
    for (i = 0; i < n_params; i++) {
        MZ_ASSERT(i == 0 || param_cmp(&params[i - 1], &params[i]) < 0);
        if ((i > 0 && mz_buf_append_byte(out, ',') != MZ_OK) ||
            put_text(out, params[i].name) != MZ_OK ||
            mz_buf_append_byte(out, ':') != MZ_OK ||
            put_text(out, params[i].value) != MZ_OK) {
            goto error;
        }
    }
    if (mz_buf_append(out, "},", 2) != MZ_OK || put_key(out, "r") != MZ_OK ||
        mz_buf_append(out, rev.s, rev.n) != MZ_OK) {
        goto error;
    }
    if (user != NULL) {
        if (mz_buf_append_byte(out, ',') != MZ_OK ||
            put_key(out, "u") != MZ_OK || put_text(out, *user) != MZ_OK) {
            goto error;
        }
    }
    if (mz_buf_append_byte(out, '}') != MZ_OK) {
        goto error;
    }
    return MZ_OK;

error:
    return mz_error_set(err, MZ_E_NOMEM, "out of memory");
}

mz_status
mz_cachekey_generation_message(mz_buf *out,
                               mz_ckey_text context,
                               mz_ckey_text name,
                               mz_ckey_text value,
                               mz_error *err)
{
    if (mz_buf_append_byte(out, '{') != MZ_OK || put_key(out, "c") != MZ_OK ||
        put_text(out, context) != MZ_OK ||
        mz_buf_append_byte(out, ',') != MZ_OK || put_key(out, "k") != MZ_OK ||
        put_text(out, name) != MZ_OK ||
        mz_buf_append_byte(out, ',') != MZ_OK || put_key(out, "v") != MZ_OK ||
        put_text(out, value) != MZ_OK ||
        mz_buf_append_byte(out, '}') != MZ_OK) {
        return mz_error_set(err, MZ_E_NOMEM, "out of memory");
    }
    return MZ_OK;
}
