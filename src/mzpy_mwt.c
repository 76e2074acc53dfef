/* mzpy_mwt.c - the CPython binding of MWT verification; see mzpy_mwt.h. */
#include "mzpy.h"

#include "mzpy_mwt.h"

#include <time.h>

#include "mz_mwt.h"
#include "mzpy_convert.h"

#define MZ_MWT_MSG_SIGNATURE "InvalidSignatureError"
#define MZ_MWT_MSG_NO_KEY "no key for this kid"

/* Raise mizan.core.errors.InvalidToken(text); always returns NULL. The class
 * is looked up on refusal only: valid tokens never pay for it. */
static PyObject *
refuse(const char *text)
{
    PyObject *errors, *cls;

    if (strcmp(text, "out of memory") == 0) {
        return PyErr_NoMemory();
    }
    errors = PyImport_ImportModule("mizan.core.errors");
    if (errors == NULL) {
        return NULL;
    }
    cls = PyObject_GetAttrString(errors, "InvalidToken");
    Py_DECREF(errors);
    if (cls == NULL) {
        return NULL;
    }
    mzpy_convert_raise_text(cls, text);
    Py_DECREF(cls);
    return NULL;
}

/* Wall-clock seconds, as PyJWT's datetime.now(tz=utc).timestamp(). */
static double
now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

/* tokens.MWTConfig.key_for: the secret the header's kid names (NEW), None
 * (NEW) for no kid or an unknown one, or NULL with an exception. */
static PyObject *
key_for(const mz_mwt *mwt, PyObject *secret, PyObject *kid, PyObject *previous)
{
    size_t len = 0;
    const char *name = mz_mwt_kid(mwt, &len);
    PyObject *text, *key;

    if (name == NULL) {
        Py_RETURN_NONE;
    }
    text = PyUnicode_DecodeUTF8(name, (Py_ssize_t)len, NULL);
    if (text == NULL) {
        return NULL;
    }
    switch (PyUnicode_Compare(text, kid)) {
        case 0:
            Py_DECREF(text);
            return Py_NewRef(secret);
        case -1:
            if (PyErr_Occurred()) {
                Py_DECREF(text);
                return NULL;
            }
            break;
        default:
            break;
    }
    key = PyObject_CallMethod(previous, "get", "O", text);
    Py_DECREF(text);
    return key;
}

/* Whether `key` (a str) signed the token: 1, 0, or -1 with InvalidToken
 * (the exception name PyJWT's key encoding would give) or MemoryError. */
static int
signed_by(mz_state *state, const mz_mwt *mwt, const char *token, PyObject *key)
{
    Py_ssize_t len;
    const char *bytes;
    mz_hmac *hmac = PyCapsule_GetPointer(state->hmac, MZPY_HMAC_CAPSULE);
    int rc;

    if (!PyUnicode_Check(key)) {
        refuse("TypeError");
        return -1;
    }
    bytes = PyUnicode_AsUTF8AndSize(key, &len);
    if (bytes == NULL || hmac == NULL) {
        PyErr_Clear();
        refuse(hmac == NULL ? "out of memory" : "UnicodeEncodeError");
        return -1;
    }
    rc = mz_mwt_signed_by(
        mwt, token, hmac, (const unsigned char *)bytes, (size_t)len);
    if (rc < 0) {
        PyErr_SetString(PyExc_RuntimeError, "libcrypto HMAC-SHA256 failed");
    }
    return rc;
}

/* The claim rules against `audience` (a str); 0, or -1 with InvalidToken. */
static int
check_claims(const mz_mwt *mwt, PyObject *audience, double leeway)
{
    Py_ssize_t len;
    const char *text = PyUnicode_AsUTF8AndSize(audience, &len);
    const char *problem;

    if (text == NULL) {
        return -1;
    }
    problem =
        mz_mwt_check_claims(mwt, text, (size_t)len, leeway, now_seconds());
    if (problem != NULL) {
        refuse(problem);
        return -1;
    }
    return 0;
}

/* The twin's key dance (tokens.decode with usual_key): the current secret
 * first; a token it verifies is kept only when its kid names that secret;
 * otherwise the kid's key decides. 0 (verified) or -1 with an exception. */
static int
verify_keys(mz_state *state,
            const mz_mwt *mwt,
            const char *token,
            PyObject *secret,
            PyObject *kid,
            PyObject *previous,
            PyObject *audience,
            double leeway)
{
    PyObject *key;
    int usual, rc, same;

    usual = signed_by(state, mwt, token, secret);
    if (usual < 0) {
        return -1;
    }
    if (usual && check_claims(mwt, audience, leeway) < 0) {
        return -1;
    }
    key = key_for(mwt, secret, kid, previous);
    if (key == NULL) {
        return -1;
    }
    if (usual) {
        same = PyObject_RichCompareBool(key, secret, Py_EQ);
        if (same != 0) {
            Py_DECREF(key);
            return same > 0 ? 0 : -1;
        }
    }
    rc = PyObject_IsTrue(key);
    if (rc <= 0) {
        Py_DECREF(key);
        if (rc == 0) {
            refuse(MZ_MWT_MSG_NO_KEY);
        }
        return -1;
    }
    if (!usual && key == secret) { /* the same key said no */
        Py_DECREF(key);
        refuse(MZ_MWT_MSG_SIGNATURE);
        return -1;
    }
    rc = signed_by(state, mwt, token, key);
    Py_DECREF(key);
    if (rc == 0) {
        refuse(MZ_MWT_MSG_SIGNATURE);
    }
    if (rc <= 0) {
        return -1;
    }
    return check_claims(mwt, audience, leeway);
}

PyObject *
mzpy_mwt_verify(mz_state *state,
                PyObject *token,
                PyObject *secret,
                PyObject *kid,
                PyObject *previous,
                PyObject *audience,
                PyObject *leeway)
{
    mz_mwt mwt;
    const char *text, *problem;
    Py_ssize_t len;
    double seconds;
    PyObject *claims = NULL;

    if (!PyUnicode_Check(token) || !PyUnicode_Check(secret) ||
        !PyUnicode_Check(kid) || !PyUnicode_Check(audience)) {
        PyErr_SetString(PyExc_TypeError,
                        "token, secret, kid and audience must be str");
        return NULL;
    }
    seconds = PyFloat_AsDouble(leeway);
    if (seconds == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    if (PyUnicode_GET_LENGTH(token) > MZ_MWT_MAX_TOKEN) {
        return refuse("token is larger than 8 KB");
    }
    if (!PyUnicode_IS_ASCII(token)) {
        return refuse("token is not ASCII");
    }
    text = PyUnicode_AsUTF8AndSize(token, &len);
    if (text == NULL) {
        return NULL;
    }
    problem = mz_mwt_read(text, (size_t)len, &mwt);
    if (problem != NULL) {
        return refuse(problem);
    }
    if (verify_keys(
            state, &mwt, text, secret, kid, previous, audience, seconds) ==
        0) {
        claims = mzpy_convert_from_json(mwt.claims);
    }
    mz_mwt_clear(&mwt);
    return claims;
}
