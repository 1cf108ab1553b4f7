/* The seal's guard for subinterpreters.
 *
 * An audit hook added with sys.addaudithook() belongs to one interpreter: code
 * that a notebook runs in a subinterpreter is not seen by it, and there ctypes
 * could read and write this process's memory (the grading key included).
 * A hook added from C with PySys_AddAuditHook() belongs to the runtime: it is
 * called for every interpreter, cannot be removed, and cannot be reached from
 * Python code. This one does nothing in the main interpreter (the seal's own
 * hook judges that one, knowing who asks) and, in every other interpreter,
 * refuses what the seal refuses the notebook's code:
 *
 *   - every ctypes operation (loading ctypes needs one, so ctypes is unusable);
 *   - gc.get_objects, get_referrers and get_referents;
 *   - sys._current_frames and sys._current_exceptions, which return the frames
 *     of every interpreter's threads, the seal's among them;
 *   - new code objects (code.replace, types.CodeType), and compiling source
 *     under a frozen module's name;
 *   - marshal.loads and marshal.load, except from the import system reading a
 *     module's bytecode cache or a frozen module;
 *   - opening a process's memory, page map or the kernel's memory by name.
 *
 * install() adds the hook once per process; the module has no other function,
 * and it is single-phase, so a subinterpreter cannot even import it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static int installed = 0;

static int
deny(const char *event)
{
    PyErr_Format(PyExc_PermissionError,
                 "autograder: %s is not allowed in a subinterpreter while grading", event);
    return -1;
}

static int
starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The path's last component, after trailing slashes: mem, pagemap, kcore or kmem? */
static int
names_memory(const char *path, Py_ssize_t n)
{
    while (n > 0 && path[n - 1] == '/')
        n--;
    Py_ssize_t start = n;
    while (start > 0 && path[start - 1] != '/')
        start--;
    Py_ssize_t len = n - start;
    const char *names[] = {"mem", "pagemap", "kcore", "kmem"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if ((size_t)len == strlen(names[i]) && strncmp(path + start, names[i], len) == 0)
            return 1;
    }
    return 0;
}

/* Is the code object named `name` and from the frozen module `filename`? */
static int
code_is(PyCodeObject *code, const char *name, const char *filename)
{
    PyObject *n = PyObject_GetAttrString((PyObject *)code, "co_name");
    PyObject *f = PyObject_GetAttrString((PyObject *)code, "co_filename");
    int same = 0;
    if (n != NULL && f != NULL && PyUnicode_Check(n) && PyUnicode_Check(f)) {
        same = PyUnicode_CompareWithASCIIString(n, name) == 0 &&
               PyUnicode_CompareWithASCIIString(f, filename) == 0;
    }
    Py_XDECREF(n);
    Py_XDECREF(f);
    PyErr_Clear();
    return same;
}

/* Is marshal being called by the import system?
 *   - with no Python frame at all: the interpreter starting up (reading a
 *     frozen module); the notebook's code cannot run without a frame;
 *   - by importlib's _compile_bytecode, called by SourceLoader.get_code
 *     (a module's bytecode cache);
 *   - by importlib's _call_with_frames_removed, called by FrozenImporter's
 *     exec_module or get_code (a frozen module, on 3.11 and 3.12). */
static int
importing_bytecode(void)
{
    static const char *external = "<frozen importlib._bootstrap_external>";
    static const char *bootstrap = "<frozen importlib._bootstrap>";
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */
    if (frame == NULL)
        return 1;
    PyCodeObject *code = PyFrame_GetCode(frame);
    int cache = code_is(code, "_compile_bytecode", external);
    int frozen = code_is(code, "_call_with_frames_removed", bootstrap);
    Py_DECREF(code);
    if (!cache && !frozen)
        return 0;
    PyFrameObject *back = PyFrame_GetBack(frame); /* new reference */
    if (back == NULL)
        return 0;
    PyCodeObject *caller = PyFrame_GetCode(back);
    int ok = cache ? code_is(caller, "get_code", external)
                   : (code_is(caller, "exec_module", bootstrap) ||
                      code_is(caller, "get_code", bootstrap));
    Py_DECREF(caller);
    Py_DECREF(back);
    return ok;
}

static int
hook(const char *event, PyObject *args, void *data)
{
    (void)data;
    if (PyInterpreterState_Get() == PyInterpreterState_Main())
        return 0;
    if (starts_with(event, "ctypes.") || starts_with(event, "gc."))
        return deny(event);
    if (strcmp(event, "sys._current_frames") == 0 ||
        strcmp(event, "sys._current_exceptions") == 0 || strcmp(event, "code.__new__") == 0)
        return deny(event);
    if (strcmp(event, "marshal.loads") == 0 || strcmp(event, "marshal.load") == 0) {
        if (!importing_bytecode())
            return deny(event);
        return 0;
    }
    if (strcmp(event, "compile") == 0) {
        /* args: (source, filename) */
        if (PyTuple_Check(args) && PyTuple_GET_SIZE(args) >= 2) {
            PyObject *filename = PyTuple_GET_ITEM(args, 1);
            if (PyUnicode_Check(filename)) {
                const char *f = PyUnicode_AsUTF8(filename);
                if (f == NULL)
                    return -1;
                if (starts_with(f, "<frozen"))
                    return deny("compiling under a frozen module's name");
            }
        }
        return 0;
    }
    if (strcmp(event, "open") == 0) {
        /* args: (path, mode, flags); path may be str, bytes or a file descriptor */
        if (!PyTuple_Check(args) || PyTuple_GET_SIZE(args) < 1)
            return 0;
        PyObject *path = PyTuple_GET_ITEM(args, 0);
        const char *p = NULL;
        Py_ssize_t n = 0;
        if (PyUnicode_Check(path)) {
            p = PyUnicode_AsUTF8AndSize(path, &n);
            if (p == NULL)
                return -1;
        }
        else if (PyBytes_Check(path)) {
            p = PyBytes_AS_STRING(path);
            n = PyBytes_GET_SIZE(path);
        }
        if (p != NULL && names_memory(p, n))
            return deny("reading process memory");
        return 0;
    }
    return 0;
}

static PyObject *
install(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    if (!installed) {
        if (PySys_AddAuditHook(hook, NULL) < 0)
            return NULL;
        installed = 1;
    }
    Py_RETURN_TRUE;
}

static PyMethodDef methods[] = {
    {"install", install, METH_NOARGS,
     "Add the subinterpreter guard to the runtime's audit hooks (once)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_subguard",
    "A runtime-wide audit hook that refuses memory access in subinterpreters.", -1, methods,
};

PyMODINIT_FUNC
PyInit__subguard(void)
{
    return PyModule_Create(&module);
}
