/*
 * xnatctl plugin SDK: the C ABI between the `xnatctl` host and its plugins. Version 1.
 *
 * A plugin is a shared library named <id>.so that exports exactly one symbol,
 * `xc_plugin_entry`, returning a pointer to static data describing what it offers:
 * commands (e.g. "prearchive list"), transports (ways to send an upload job to a server)
 * and routers (rules that rewrite where an upload goes). The host turns that data into the
 * command line, --help, and config/environment lookup; it calls plugin code only when one of
 * those things is used.
 *
 * RULES FOR EDITING THIS FILE (see sdk/ABI.md for the full policy)
 *  1. Pure C99: <stdint.h> and <stddef.h> only. No C++ type, exception, or allocator ever
 *     crosses the boundary.
 *  2. Append-only. Never remove, reorder, rename or retype a member or a constant. New
 *     members go at the end of their struct, marked "since 1.N".
 *  3. Every struct that crosses the boundary starts with `uint32_t struct_size`, set by
 *     whoever fills the struct to sizeof() of the struct as *they* were compiled. Readers
 *     check it before touching a member (XC_HAS_MEMBER), so old plugins work on new hosts
 *     and new plugins fail cleanly on old hosts.
 *  4. Arrays of descriptors are arrays of *pointers*, so a grown struct never changes the
 *     stride an older reader walks with.
 *  5. Enumerations cross as int32_t/uint32_t, never as C enums (their size is not fixed).
 *  6. Whoever allocates, frees. Errors are written into a caller-owned xc_error.
 *  7. Any edit changes this file's SHA-256, which tests/abi compares with the value recorded
 *     for XC_ABI_MAJOR.XC_ABI_MINOR: an edit must come with a deliberate version bump.
 *
 * NAMING: xc_*_desc are static data provided by plugins; xc_host_api members are host
 * callbacks; XC_* constants are status codes and flags.
 *
 * LIFETIMES, in one place:
 *  - Plugin descriptors (everything reachable from xc_plugin_entry()) are static: they live
 *    as long as the library, which the host never unloads while the process runs.
 *  - The xc_host_api table and the xc_host handle live from init() until shutdown() returns.
 *  - An xc_invocation lives for one command run() or one transport create()..destroy().
 *  - An xc_upload_job lives for one upload(), describe() or route() call; bodies opened
 *    from it are closed by the host, at the latest, when that call returns.
 *  - Strings the host hands out (xc_str) stay valid for the lifetime of the object they
 *    were read from, unless a member says otherwise.
 */
#ifndef XNATCTL_SDK_H
#define XNATCTL_SDK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Versions
 * ------------------------------------------------------------------------------------- */

/* Breaking changes bump the major: the host refuses a plugin of another major. */
#define XC_ABI_MAJOR 1
/* Additive changes bump the minor: the host refuses a plugin built against a newer minor
 * than its own (the plugin may rely on members the host does not have). */
#define XC_ABI_MINOR 1

/* The one symbol a plugin exports (see xc_plugin_entry_fn). */
#define XC_PLUGIN_ENTRY_SYMBOL "xc_plugin_entry"

#if defined(_WIN32)
#define XC_PLUGIN_EXPORT __declspec(dllexport)
#else
#define XC_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* True when a struct of the given (reader-checked) size contains `member`. */
#define XC_HAS_MEMBER(ptr, type, member) \
  ((ptr) != NULL && (size_t)(ptr)->struct_size >= offsetof(type, member) + sizeof((ptr)->member))

/* ---------------------------------------------------------------------------------------
 * Status codes and errors
 * ------------------------------------------------------------------------------------- */

/* Every fallible call returns an xc_status. Callers treat unknown values as XC_FATAL. */
typedef int32_t xc_status;

#define XC_OK 0               /* success */
#define XC_RETRY 1            /* transient failure: the same call may succeed later */
#define XC_FATAL 2            /* permanent failure of this operation */
#define XC_CANCELLED 3        /* the user cancelled; stop promptly, report what was done */
#define XC_INVALID_INPUT 4    /* bad user input or bad arguments: a usage error */
#define XC_AUTH 5             /* authentication failed or no usable credentials */
#define XC_UNSUPPORTED 6      /* not implemented, not available, or disabled */
#define XC_NOT_FOUND 7        /* a looked-up value (option, key, attribute) is absent */
#define XC_INTERNAL 8         /* a bug: caught exception or broken invariant */
#define XC_PARTIAL 9          /* some items succeeded and some failed (see file results) */

/* Capacity of xc_error.message, including the terminating NUL. */
#define XC_ERROR_MESSAGE_SIZE 1024

/* An error report. OWNERSHIP: the caller allocates it (typically on the stack), sets
 * struct_size, and passes it to a call; the callee writes a NUL-terminated, single-line
 * message (truncated to fit) and the status it also returns. Never allocated by the callee,
 * so nothing needs freeing on the failure path. */
typedef struct xc_error {
  uint32_t struct_size;
  xc_status status;
  char message[XC_ERROR_MESSAGE_SIZE];
} xc_error;

/* ---------------------------------------------------------------------------------------
 * Small value types
 * ------------------------------------------------------------------------------------- */

/* A string view: `size` bytes at `data`, not necessarily NUL-terminated. OWNERSHIP: the
 * producer; LIFETIME: as documented by the call that produced it. */
typedef struct xc_str {
  const char* data;
  size_t size;
} xc_str;

/* A name/value pair of NUL-terminated strings (query parameters, headers, record fields). */
typedef struct xc_kv {
  const char* key;
  const char* value;
} xc_kv;

/* ---------------------------------------------------------------------------------------
 * Options, declared as data
 * ------------------------------------------------------------------------------------- */

/* xc_option_desc.type */
#define XC_OPTION_FLAG 1      /* --name, no value; reads back as "true" when given */
#define XC_OPTION_STRING 2
#define XC_OPTION_INT 3       /* the host validates the value is an integer */
#define XC_OPTION_PATH 4      /* a filesystem path; the host does not check it exists */
#define XC_OPTION_LIST 5      /* repeatable; read back item by item */

/* xc_option_desc.flags and xc_positional_desc.flags */
#define XC_OPTION_REQUIRED 0x1u  /* an error (exit 2) if no source supplies a value */
#define XC_OPTION_SECRET 0x2u    /* never shown in --help defaults, logs or error messages */
#define XC_OPTION_HIDDEN 0x4u    /* accepted, not listed in --help (deprecated spellings) */
#define XC_POSITIONAL_REPEATED 0x8u /* positional only: takes all remaining words */

/* One command-line option. The host resolves its value by precedence: command line, then
 * `env_var`, then the active profile's `profile_key`, then `default_value`.
 * LIFETIME: static (library lifetime). */
typedef struct xc_option_desc {
  uint32_t struct_size;
  const char* name;          /* long name, kebab-case, no dashes: "called-aet". Required. */
  const char* short_name;    /* one character, e.g. "P", or NULL */
  int32_t type;              /* XC_OPTION_* */
  uint32_t flags;            /* XC_OPTION_* flags */
  const char* default_value; /* NULL = no default */
  const char* value_name;    /* placeholder in --help, e.g. "AET"; NULL = derived from name */
  const char* help;          /* one or two sentences. Required. */
  const char* env_var;       /* e.g. "XNAT_DICOM_HOST", or NULL */
  const char* profile_key;   /* key in the active profile, e.g. "workers", or NULL */
  /* since 1.1: the value the option takes when given without one (`--wait` alone), or NULL
   * (a value is required). Not for XC_OPTION_FLAG or XC_OPTION_LIST; for XC_OPTION_INT it
   * must be an integer. A value is given as `--name=VALUE`; as a separate word
   * (`--name VALUE`) only for XC_OPTION_INT and only when VALUE is an integer, so that
   * `--wait PROJECT` leaves PROJECT a positional. Applies to the command line only: the
   * environment, profile and default_value are consulted as before when it is absent.
   * A 1.0 host ignores it (the option then requires a value). */
  const char* implicit_value;
} xc_option_desc;

/* One positional argument of a command. LIFETIME: static. */
typedef struct xc_positional_desc {
  uint32_t struct_size;
  const char* name;          /* shown upper-case in usage: "PROJECT" */
  const char* help;
  uint32_t flags;            /* XC_OPTION_REQUIRED, XC_POSITIONAL_REPEATED (last one only) */
} xc_positional_desc;

/* ---------------------------------------------------------------------------------------
 * Opaque host objects
 * ------------------------------------------------------------------------------------- */

typedef struct xc_host xc_host;             /* the host's handle for one loaded plugin */
typedef struct xc_invocation xc_invocation; /* resolved options of one command run or transport */
typedef struct xc_upload_job xc_upload_job; /* one upload: destination + files */

/* ---------------------------------------------------------------------------------------
 * Streaming callbacks (used by the HTTP service)
 * ------------------------------------------------------------------------------------- */

/* Produces the next bytes of a request body into `buffer` (at most `capacity`). Returns the
 * number of bytes written, 0 at the end of the body, or XC_READ_FAILED on error.
 * THREADING: called on the thread that called http_send. */
typedef size_t (*xc_read_fn)(void* user, char* buffer, size_t capacity);
#define XC_READ_FAILED ((size_t)-1)

/* Restarts a request body from its first byte so the host can retry the request.
 * Returns XC_OK, or anything else if the body cannot be produced again (no retry then). */
typedef xc_status (*xc_rewind_fn)(void* user);

/* Consumes the next bytes of a response body. Returns XC_OK to continue; anything else
 * aborts the transfer and becomes http_send's status. */
typedef xc_status (*xc_write_fn)(void* user, const char* data, size_t size);

/* xc_http_request.flags */
#define XC_HTTP_RETRY_IMPORT_400 0x1u /* also retry HTTP 400: XNAT's transient import race */
#define XC_HTTP_NO_RETRY 0x2u         /* send once; the plugin handles failures itself */
#define XC_HTTP_NO_AUTH 0x4u          /* send without credentials or session cookie */

/* One HTTP exchange with the active XNAT server. OWNERSHIP: the caller (plugin); the host
 * reads it only during http_send. */
typedef struct xc_http_request {
  uint32_t struct_size;
  const char* method;        /* "GET", "POST", "PUT", "DELETE" */
  const char* path;          /* server-relative, starting with '/': "/data/services/import" */
  const xc_kv* query;        /* appended as ?k=v&...; the host percent-encodes values */
  size_t query_count;
  const xc_kv* headers;      /* extra request headers, e.g. Content-Type */
  size_t header_count;
  int64_t body_size;         /* bytes; 0 = no body; -1 = unknown length (sent chunked) */
  xc_read_fn body_read;      /* required when body_size != 0 */
  xc_rewind_fn body_rewind;  /* optional; without it a failed body is not retried */
  void* body_user;
  xc_write_fn response_write; /* optional; NULL discards the response body */
  void* response_user;
  uint32_t flags;            /* XC_HTTP_* */
} xc_http_request;

/* What came back. OWNERSHIP: the caller allocates it and sets struct_size; the host fills
 * it. The body went to response_write. */
typedef struct xc_http_response {
  uint32_t struct_size;
  int32_t status;            /* HTTP status code of the final attempt; 0 if none arrived */
  uint32_t attempts;         /* how many times the request was sent */
  char content_type[128];    /* NUL-terminated, truncated to fit */
} xc_http_response;

/* ---------------------------------------------------------------------------------------
 * Upload jobs: what a transport sends and where (views of host data)
 *
 * One `session upload` run becomes one or more jobs (one per destination session, e.g. with
 * --split-studies); a transport instance receives them one upload() call at a time. The host
 * has already discovered the files, probed their DICOM headers, applied the study guard and
 * the routers, and (with --resume) left out what the server acknowledged in an earlier run.
 * ------------------------------------------------------------------------------------- */

/* xc_job_info.destination: where the server should put the data (REST transports; the
 * C-STORE receiver's configuration decides for DICOM transports). */
#define XC_DEST_ARCHIVE 1
#define XC_DEST_PREARCHIVE 2

/* xc_job_info.overwrite: what to do with an existing session of the same label. */
#define XC_OVERWRITE_NONE 1
#define XC_OVERWRITE_APPEND 2
#define XC_OVERWRITE_DELETE 3

/* xc_job_info.archive_format and job_archive_open(format) */
#define XC_ARCHIVE_TAR 1      /* ustar, uncompressed: exact size known in advance */
#define XC_ARCHIVE_ZIP 2      /* deflated: size unknown (-1), send chunked */

/* xc_job_info.source_kind: what the user named */
#define XC_SOURCE_DIRECTORY 1 /* a directory tree */
#define XC_SOURCE_FILE 2      /* one file */
#define XC_SOURCE_ARCHIVE 3   /* a pre-built .zip/.tar/.tgz: every job file is one of its members */

/* xc_job_info.flags */
#define XC_JOB_ZIP_TO_TAR 0x1u /* the user asked for a pre-built zip to be sent as tar */
#define XC_JOB_DRY_RUN 0x2u    /* describe(), never upload(), is called for this job */
#define XC_JOB_RESUME 0x4u     /* files acknowledged by an earlier run were left out */

/* The typed settings of a job. OWNERSHIP: the caller (plugin) allocates it and sets
 * struct_size; the host fills every member that fits. Strings: LIFETIME the job. */
typedef struct xc_job_info {
  uint32_t struct_size;
  const char* server_url;    /* REST: the profile's URL; C-STORE: "dicom://host:port" */
  const char* project;       /* "" when unset (C-STORE: the receiver routes by header) */
  const char* subject;
  const char* session;
  const char* source;        /* absolute path of what the user named */
  int32_t source_kind;       /* XC_SOURCE_* */
  int32_t destination;       /* XC_DEST_* */
  int32_t overwrite;         /* XC_OVERWRITE_* */
  int32_t archive_format;    /* XC_ARCHIVE_* (--archive-format) */
  uint32_t workers;          /* parallel connections the user allows, >= 1 */
  uint32_t flags;            /* XC_JOB_* */
  size_t file_count;         /* files in this job */
  uint64_t total_bytes;      /* sum of their sizes */
} xc_job_info;

/* One file of a job. OWNERSHIP: the caller allocates it and sets struct_size; the host fills
 * it. Strings: LIFETIME the job. */
typedef struct xc_job_file {
  uint32_t struct_size;
  /* The file on disk, or NULL when it is a member of a pre-built archive. Transports should
   * read bytes through job_file_open() rather than open this path: the host may change
   * objects in flight (future editor plugins) and counts progress on its own streams. */
  const char* path;
  /* '/'-separated path relative to the source the user named (the member name inside an
   * archive); unique within the job. For a name to store it under, use object_name. */
  const char* relative_path;
  uint64_t size;             /* bytes */
  const char* display_name;  /* for messages: the path, or "archive.zip!member" */
  /* since 1.1: the name to store the file under on the server (gradual-DICOM sends it as
   * the URL remainder after /data/services/import/), derived by the host from the relative
   * path. Guarantees: 1 to 200 bytes, only A-Z a-z 0-9 '.' '_' '-' '~' (so it needs no
   * escaping in a URL path and is a valid file name everywhere), never starting with '.';
   * unique, ignoring ASCII case, among every file the run discovered (so within the job,
   * and across the jobs of --split-studies); decided from the relative paths of the files
   * discovered before --resume, --split-studies or routers leave any out, so every run over
   * the same source names each file alike and a resumed upload sends it under the name the
   * first run used. NULL from a 1.0 host (zero-fill the struct, or check abi_minor >= 1). */
  const char* object_name;
} xc_job_file;

/* A body the host produces: one file, a pre-built archive, or a tar/zip of chosen files.
 * Plugs straight into xc_http_request (body_size/body_read/body_rewind/body_user), or is
 * read by the transport itself. OWNERSHIP: host; the plugin calls close(user) exactly once.
 * LIFETIME: until close(), at the latest until the upload() that opened it returns.
 * THREADING: one thread at a time per body; different bodies may be read concurrently.
 * Every payload byte read from a host body counts as progress of its file; a rewind takes
 * those bytes back, so retried sends never push progress past 100 %. */
typedef void (*xc_close_fn)(void* user);
typedef struct xc_body {
  uint32_t struct_size;
  int64_t size;              /* exact bytes read() produces, or -1 when unknown (chunked) */
  xc_read_fn read;           /* returns XC_READ_FAILED on I/O failure (then call close) */
  xc_rewind_fn rewind;       /* back to the first byte; XC_OK or XC_FATAL */
  xc_close_fn close;
  void* user;
} xc_body;

/* The outcome of one file, or of a batch of files sent in one request. OWNERSHIP: the
 * caller (plugin); the host copies what it keeps during report(). */
typedef struct xc_file_result {
  uint32_t struct_size;
  /* XC_OK: stored and acknowledged by the server (warnings included: see `message`).
   * XC_RETRY: failed transiently and retries ran out; a later run may succeed.
   * XC_FATAL: rejected by the server (sending it again will not help).
   * XC_CANCELLED: not attempted or interrupted by the user. */
  xc_status outcome;
  int32_t status;            /* the protocol's status: HTTP (200, 400) or DIMSE (0xB000); 0 = none */
  uint32_t attempts;         /* how many times it was sent (0 = never) */
  /* Where the server says it went (the import response's URI), or NULL. Since 1.1: one
   * request that made several sessions (a batch spanning studies) gives one URI per line,
   * in the server's order; the host commits and reports each. */
  const char* uri;
  const char* message;       /* one line: the server's message, a warning's meaning, or NULL */
} xc_file_result;

/* xc_host_api.progress events */
#define XC_PROGRESS_STARTED 1 /* the transport started sending file `index` */
#define XC_PROGRESS_BYTES 2   /* `bytes` more of file `index` went out, for bytes the
                               * transport read other than through a host body */

/* ---------------------------------------------------------------------------------------
 * Host services: the table handed to a plugin's init()
 *
 * OWNERSHIP: host. LIFETIME: from init() until shutdown() returns.
 * THREADING: every member may be called from any thread, concurrently, unless its comment
 * says otherwise. Calls block; none call back into the plugin except through the callbacks
 * passed to them (on the calling thread).
 * ------------------------------------------------------------------------------------- */

/* xc_host_api.log levels */
#define XC_LOG_DEBUG 0
#define XC_LOG_INFO 1
#define XC_LOG_WARNING 2
#define XC_LOG_ERROR 3

/* xc_host_api.print streams */
#define XC_STDOUT 1
#define XC_STDERR 2

/* xc_host_api.output_mode results */
#define XC_OUTPUT_TABLE 1
#define XC_OUTPUT_JSON 2
#define XC_OUTPUT_QUIET 3

typedef struct xc_host_api {
  uint32_t struct_size;
  uint16_t abi_major;        /* the host's XC_ABI_MAJOR */
  uint16_t abi_minor;        /* the host's XC_ABI_MINOR */

  /* ---- since 1.0: diagnostics ---- */

  /* Logs one line, prefixed with the plugin id; shown according to --verbose/--quiet.
   * Never pass secrets. */
  void (*log)(xc_host* host, int32_t level, xc_str message);

  /* ---- since 1.0: options, arguments, configuration ---- */

  /* The resolved value of option `name` (as declared). XC_NOT_FOUND if no source supplied
   * one. For XC_OPTION_LIST, the first item. LIFETIME: the invocation. */
  xc_status (*option_get)(const xc_invocation* inv, const char* name, xc_str* out);
  /* Item `index` of a list option; XC_NOT_FOUND past the end. LIFETIME: the invocation. */
  xc_status (*option_get_item)(const xc_invocation* inv, const char* name, size_t index,
                               xc_str* out);
  /* Positional argument `index`; XC_NOT_FOUND past the end. LIFETIME: the invocation. */
  xc_status (*positional_get)(const xc_invocation* inv, size_t index, xc_str* out);
  /* A value from configuration: "profile.<key>" reads the active profile (credentials are
   * never readable), "plugin.<key>" reads this plugin's own section of the config files.
   * XC_NOT_FOUND if absent. LIFETIME: until shutdown(). */
  xc_status (*config_get)(xc_host* host, const char* key, xc_str* out);

  /* ---- since 1.0: results and user interaction ---- */

  /* How the user asked for output (XC_OUTPUT_*). */
  int32_t (*output_mode)(const xc_invocation* inv);
  /* Emits one result record, e.g. one prearchive session. The host renders records as a
   * table, a JSON array, or (with --quiet) the first field's value per line, so plugins
   * never format output themselves. Field order is column order. THREADING: serialised by
   * the host; records appear in call order. */
  xc_status (*emit_record)(const xc_invocation* inv, const xc_kv* fields, size_t count);
  /* Prints a human-readable message (suppressed on XC_STDOUT in JSON and quiet modes, so
   * stdout stays machine-readable). */
  void (*print)(const xc_invocation* inv, int32_t stream, xc_str text);
  /* Asks the user a yes/no question. XC_OK = yes; XC_CANCELLED = no; XC_INVALID_INPUT when
   * no terminal is attached (commands should offer --yes). */
  xc_status (*confirm)(const xc_invocation* inv, const char* question);

  /* ---- since 1.0: authenticated HTTP to the active XNAT server ---- */

  /* Sends one request with the host's connection pool, TLS settings, timeouts, session
   * cookie, single shared re-login on 401, and retries with backoff (XC_RETRY-class
   * failures: connection errors, timeouts, 429/502/503/504, plus 400 with
   * XC_HTTP_RETRY_IMPORT_400). Bodies stream through the request's callbacks; neither body
   * is ever held whole in memory by the host. Returns XC_OK whenever an HTTP response
   * arrived, whatever its status (read response->status); XC_RETRY if retries ran out on
   * a transient failure; XC_AUTH if credentials were refused; XC_CANCELLED when the user
   * cancelled (before sending, mid-transfer, or during a back-off wait: the socket is closed
   * and the call returns promptly); the response sink's own status when response_write
   * stopped the transfer; XC_FATAL otherwise. */
  xc_status (*http_send)(xc_host* host, const xc_http_request* request,
                         xc_http_response* response, xc_error* error);

  /* ---- since 1.0: cancellation ---- */

  /* Non-zero once the user asked to stop (Ctrl-C). Long operations poll it; http_send and
   * wait() return promptly with XC_CANCELLED by themselves. */
  int32_t (*cancelled)(xc_host* host);
  /* Sleeps up to `milliseconds` (a transport's own back-off), returning early when the user
   * cancels. Returns XC_OK after the full wait, XC_CANCELLED when interrupted. */
  xc_status (*wait)(xc_host* host, uint32_t milliseconds);

  /* ---- since 1.0: the upload job (transports and routers) ---- */

  /* The job's typed settings (see xc_job_info). XC_INVALID_INPUT if out is too small. */
  xc_status (*job_info)(const xc_upload_job* job, xc_job_info* out);
  /* File `index` (0 <= index < file_count); XC_NOT_FOUND past the end. */
  xc_status (*job_file)(const xc_upload_job* job, size_t index, xc_job_file* out);
  /* A DICOM attribute of file `index` by keyword: "StudyInstanceUID", "SeriesInstanceUID",
   * "SeriesNumber", "SOPInstanceUID", "SOPClassUID", "TransferSyntaxUID", "Modality",
   * "InstanceNumber", "PatientName", "PatientID", "PatientComments", "StudyComments",
   * "AdditionalPatientHistory", "StudyDescription", "StudyDate", "StudyTime",
   * "SeriesDescription", "AccessionNumber"; read once by the host's header probe.
   * XC_NOT_FOUND if absent or empty. LIFETIME: the job. */
  xc_status (*job_file_attribute)(const xc_upload_job* job, size_t index, const char* keyword,
                                  xc_str* out);
  /* The invocation (resolved options, including the transport's own) the job runs under. */
  const xc_invocation* (*job_invocation)(const xc_upload_job* job);

  /* Opens the bytes of file `index` (works for archive members: nothing is extracted to
   * disk). See xc_body for ownership. */
  xc_status (*job_file_open)(const xc_upload_job* job, size_t index, xc_body* out,
                             xc_error* error);
  /* Opens the pre-built archive the job came from, byte for byte, for transports with
   * XC_TRANSPORT_ARCHIVE_PASSTHROUGH. XC_UNSUPPORTED unless source_kind is
   * XC_SOURCE_ARCHIVE and the job holds every member of the archive (none filtered out as
   * non-DICOM, split off by --split-studies or left out by --resume); then send the job's
   * files with job_archive_open instead. */
  xc_status (*job_source_open)(const xc_upload_job* job, xc_body* out, xc_error* error);
  /* Opens a tar or zip (XC_ARCHIVE_*) of the listed files, produced while it is read (no
   * temporary copy; memory independent of the data). Tar bodies have their exact size.
   * Entry names are the files' relative paths made safe. `indices` is copied. */
  xc_status (*job_archive_open)(const xc_upload_job* job, const size_t* indices, size_t count,
                                int32_t format, xc_body* out, xc_error* error);

  /* Reports the outcome of `count` files that share it (count 1 for a per-file transport, the
   * batch's files for one request holding many). Each file's last report wins; files never
   * reported count as not sent. The host writes XC_OK files to the resume journal before
   * returning, and renders JSON lines, progress and the summary. Returns XC_OK, or
   * XC_CANCELLED when the job is being stopped (stop sending, return promptly). */
  xc_status (*report)(const xc_upload_job* job, const size_t* indices, size_t count,
                      const xc_file_result* result);
  /* Progress of file `index` (XC_PROGRESS_*). Cheap; call freely, from any thread. */
  void (*progress)(const xc_upload_job* job, size_t index, int32_t event, uint64_t bytes);

  /* Append new members here, each marked with the minor that added it. */
} xc_host_api;

/* ---------------------------------------------------------------------------------------
 * What plugins provide
 * ------------------------------------------------------------------------------------- */

/* A command, e.g. "prearchive list". LIFETIME: static. */
typedef struct xc_command_desc {
  uint32_t struct_size;
  const char* path;          /* space-separated lower-case words: "prearchive list". Required. */
  const char* summary;       /* one line for the parent's --help. Required. */
  const char* description;   /* paragraph for the command's own --help, or NULL */
  const xc_positional_desc* const* positionals;
  size_t positional_count;
  const xc_option_desc* const* options;
  size_t option_count;
  /* Runs the command. Return XC_OK for success; otherwise fill `error` (one line for the
   * user) and return its status. Required.
   * THREADING: called on the main thread; may start threads, must join them before return. */
  xc_status (*run)(void* plugin_context, const xc_invocation* inv, xc_error* error);
} xc_command_desc;

/* xc_transport_desc.capabilities */
#define XC_TRANSPORT_PER_FILE_RESULTS 0x1u /* reports each file on its own (not in batches) */
#define XC_TRANSPORT_PARALLEL 0x2u         /* honours xc_job_info.workers */
#define XC_TRANSPORT_NEEDS_HTTP 0x4u       /* uses http_send: the host logs in first, and
                                            * commits and verifies REST imports afterwards */
#define XC_TRANSPORT_ARCHIVE_PASSTHROUGH 0x8u /* may send a pre-built archive as it is
                                               * (job_source_open) */
#define XC_TRANSPORT_RESUME 0x10u          /* reports files as they are acknowledged, so an
                                            * interrupted run can be resumed (--resume) */
#define XC_TRANSPORT_DRY_RUN 0x20u         /* describe() says what upload() would do */

/* A transport: one way of sending an upload job, e.g. DICOM-zip batches over REST.
 * LIFETIME: static. */
typedef struct xc_transport_desc {
  uint32_t struct_size;
  const char* name;          /* unique across plugins: "rest_zip". Required. */
  const char* summary;       /* one line. Required. */
  const char* command;       /* the command that offers it: "session upload". Required. */
  uint32_t capabilities;     /* XC_TRANSPORT_* */
  const xc_option_desc* const* options; /* listed under `command`'s --help */
  size_t option_count;
  /* Creates an instance for one command run. `inv` holds the resolved options; check them
   * here (a usage error fails before anything is sent). OWNERSHIP: the instance belongs to
   * the plugin; the host passes it to destroy(). Required. THREADING: main thread. */
  xc_status (*create)(void* plugin_context, const xc_invocation* inv, void** out_instance,
                      xc_error* error);
  /* Sends every file of `job`, calling report() as the server acknowledges or rejects files.
   * Returns XC_OK when every file was stored, XC_PARTIAL when some failed (all reported),
   * XC_CANCELLED when stopped by the user, or another status (with `error`) when the job
   * failed as a whole. Required. THREADING: main thread; may run worker threads, which must
   * be joined before it returns. */
  xc_status (*upload)(void* instance, const xc_upload_job* job, xc_error* error);
  /* Frees the instance. Required. */
  void (*destroy)(void* instance);
  /* Dry run: prints (xc_host_api.print, XC_STDOUT) what upload() would do with `job`, e.g.
   * the batch or association plan, and contacts no server. Required with
   * XC_TRANSPORT_DRY_RUN, else NULL. THREADING: main thread. */
  xc_status (*describe)(void* instance, const xc_upload_job* job, xc_error* error);
} xc_transport_desc;

/* A routing decision. OWNERSHIP: caller-allocated, zero-filled; the router writes
 * NUL-terminated values into the fields it wants to change and leaves the others empty. */
typedef struct xc_route {
  uint32_t struct_size;
  char transport[64];        /* a transport name, or "" to keep the user's choice */
  char project[128];         /* "" = keep */
  char subject[128];
  char session[128];
} xc_route;

/* A router: a site rule that may change the transport or destination of a job (e.g. "data
 * from scanner X goes to project Y over C-STORE"). Routers run in load order; each sees the
 * job as the previous one left it. LIFETIME: static. */
typedef struct xc_router_desc {
  uint32_t struct_size;
  const char* name;          /* unique across plugins. Required. */
  const char* summary;       /* Required. */
  /* Decides; returns XC_OK (with an empty xc_route for "no change") or an error that stops
   * the upload. Required. THREADING: main thread. */
  xc_status (*route)(void* plugin_context, const xc_upload_job* job, xc_route* decision,
                     xc_error* error);
} xc_router_desc;

/* A plugin. LIFETIME: static. */
typedef struct xc_plugin_desc {
  uint32_t struct_size;
  uint16_t abi_major;        /* XC_ABI_MAJOR the plugin was built with */
  uint16_t abi_minor;        /* XC_ABI_MINOR the plugin was built with */
  const char* id;            /* must equal the library's file stem: "rest_zip". Required. */
  const char* version;       /* the plugin's own version. Required. */
  const char* description;   /* one line. Required. */
  const xc_command_desc* const* commands;
  size_t command_count;
  const xc_transport_desc* const* transports;
  size_t transport_count;
  const xc_router_desc* const* routers;
  size_t router_count;
  /* Called once, before the first run/create/route, on the main thread. `host_api` and
   * `host` stay valid until shutdown() returns. *out_context is passed back to every
   * callback. Optional (NULL = nothing to initialise, context NULL). */
  xc_status (*init)(const xc_host_api* host_api, xc_host* host, void** out_context,
                    xc_error* error);
  /* Called once before the process exits, after every transport instance was destroyed.
   * Must join any thread the plugin started. Optional. */
  void (*shutdown)(void* context);
} xc_plugin_desc;

/* The exported entry point, named XC_PLUGIN_ENTRY_SYMBOL. Pure: no side effects, no
 * allocation, no I/O; returns static data (or NULL if the plugin cannot serve this host).
 * The host passes its own ABI version so a plugin may choose a matching descriptor.
 * THREADING: may be called from any thread, any number of times. */
typedef const xc_plugin_desc* (*xc_plugin_entry_fn)(uint16_t host_abi_major,
                                                    uint16_t host_abi_minor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* XNATCTL_SDK_H */
