//! The same failure as another layer, OS, locale, wrapper or decoration prints it must lead to
//! the same cause (issue 11). Each group is one failure; each line of it one way it reaches a
//! log: http.client / requests / urllib3 / httpx / aiohttp / reqwest / curl (git) / Go (git-lfs) /
//! wget / aria2, Linux / macOS / Windows numbering, English / Chinese / Japanese / German /
//! French messages, CI timestamps, ANSI colour, `[rankN]:` prefixes, library wrappers after the
//! real error. The variants are written from the clients' source and documented messages, not
//! copied from the held-out transcripts.
//!
//! A failure here means the facts layer or a rule reads a spelling differently from its
//! siblings; fix the reading, never drop the variant.

// The library under test.
use hfwrap::app::explain::explain_reader;
use hfwrap::detect::catalogue::Catalogue;
use hfwrap::diagnose::Diagnosis;

fn explain(text: &str) -> Diagnosis {
    explain_reader(&Catalogue::builtin(), text.as_bytes()).expect("explain from memory")
}

/// Every variant of every group must be diagnosed as the group's cause.
fn check(groups: &[(&str, &[&str])]) {
    let mut wrong = Vec::new();
    for (want, variants) in groups {
        for v in *variants {
            let d = explain(v);
            if d.cause.id() != *want {
                wrong.push(format!(
                    "want {want:<16} got {:<16} ({}) for {v:?}",
                    d.cause.id(),
                    d.rule.unwrap_or_default()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} variants misread:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn a_refused_or_unreachable_hub_in_every_layer_os_and_language() {
    check(&[(
        "network_blocked",
        &[
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /api/models/org/m (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))",
            "urllib3.exceptions.NewConnectionError: <urllib3.connection.HTTPSConnection object at 0x104>: Failed to establish a new connection: [Errno 61] Connection refused",
            "urllib3.exceptions.NewConnectionError: <urllib3.connection.HTTPSConnection object at 0x0000021>: Failed to establish a new connection: [WinError 10061] No connection could be made because the target machine actively refused it",
            "Failed to establish a new connection: [WinError 10061] 由于目标计算机积极拒绝，无法连接。",
            "Failed to establish a new connection: [WinError 10061] 対象のコンピューターによって拒否されたため、接続できませんでした。",
            "Failed to establish a new connection: [WinError 10061] Es konnte keine Verbindung hergestellt werden, da der Zielcomputer die Verbindung verweigerte",
            "Failed to establish a new connection: [WinError 10060] Un tentativo di connessione non è riuscito",
            "httpx.ConnectError: [Errno 111] Connection refused",
            "Error: Local entry not found. [Errno 111] Connection refused",
            "error sending request for url (https://huggingface.co/api/models/x/y): error trying to connect: tcp connect error: Connection refused (os error 111)",
            "Post \"https://huggingface.co/org/m.git/info/lfs/objects/batch\": dial tcp 18.164.174.23:443: connect: connection refused",
            "fatal: unable to access 'https://huggingface.co/org/m/': Failed to connect to huggingface.co port 443 after 2 ms: Couldn't connect to server",
            "aiohttp.client_exceptions.ClientConnectorError: Cannot connect to host huggingface.co:443 ssl:default [Connect call failed ('18.164.174.23', 443)]",
            "Connecting to huggingface.co (huggingface.co)|18.164.174.23|:443... failed: Connection refused.",
            "OSError: [Errno 101] Network is unreachable",
            "OSError: [Errno 51] Network is unreachable",
            "OSError: [WinError 10051] 向一个无法连接的网络尝试了一个套接字操作。",
            "2024-03-28T01:20:32.9071234Z ##[error]httpx.ConnectError: [Errno 111] Connection refused",
            "[rank0]: requests.exceptions.ConnectionError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /x (Caused by NewConnectionError('<x>: Failed to establish a new connection: [Errno 110] Connection timed out'))",
            "\x1b[31mhttpx.ConnectTimeout: timed out\x1b[0m",
            "error sending request for url (https://huggingface.co/x): error trying to connect: tcp connect error: Connection timed out (os error 110)",
            "hyper_util::client::legacy::Error(Connect, ConnectError(\"tcp connect error\", Os { code: 110, kind: TimedOut, message: \"Connection timed out\" }))",
            "hyper_util::client::legacy::Error(Connect, ConnectError(\"tcp connect error\", Os { code: 10060, kind: TimedOut, message: \"A connection attempt failed because the connected party did not properly respond after a period of time\" }))",
        ],
    )]);
}

#[test]
fn a_read_that_stopped_is_a_stall_and_a_connect_that_timed_out_is_not() {
    check(&[
        (
            "stalled",
            &[
                "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='cdn-lfs.huggingface.co', port=443): Read timed out. (read timeout=10)",
                "httpx.ReadTimeout: The read operation timed out",
                "socket.timeout: The read operation timed out",
                "error decoding response body: hyper::Error(Body, Custom { kind: TimedOut, error: \"timed out\" })",
            ],
        ),
        (
            "network_blocked",
            &[
                "requests.exceptions.ConnectTimeout: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /x (Caused by ConnectTimeoutError(<urllib3.connection.HTTPSConnection object at 0x7f>, 'Connection to huggingface.co timed out. (connect timeout=10)'))",
                "tcp connect error\", Os { code: 110, kind: TimedOut, message: \"Connection timed out\" }))",
                // Python's bare socket timeout says no phase; the frame inside connect() above it does.
                "  File \"/env/lib/python3.9/site-packages/urllib3/connection.py\", line 174, in _new_conn\n    conn = connection.create_connection(\n  File \"/env/lib/python3.9/site-packages/urllib3/util/connection.py\", line 85, in create_connection\n    sock.connect(sa)\nsocket.timeout: timed out",
                "  File \"C:\\Python311\\Lib\\site-packages\\urllib3\\util\\connection.py\", line 73, in create_connection\n    sock.connect(sa)\nTimeoutError: timed out\n\nThe above exception was the direct cause of the following exception:\n\nurllib3.exceptions.ConnectTimeoutError: (<urllib3.connection.HTTPSConnection object at 0x0>, 'Connection to huggingface.co timed out. (connect timeout=10)')",
                "socket.timeout: timed out\nurllib3.exceptions.ConnectTimeoutError: (<urllib3.connection.HTTPSConnection object at 0x7f>, 'Connection to huggingface.co timed out. (connect timeout=10)')",
                "Error: max retries exceeded: Get \"https://huggingface.co/v2/org/m/manifests/latest\": dial tcp 18.164.174.23:443: i/o timeout",
                "Get \"https://huggingface.co/api/models/org/m\": net/http: TLS handshake timeout",
            ],
        ),
    ]);
}

#[test]
fn a_body_that_stopped_being_read_is_a_stall_in_every_client() {
    // The timeout or the break fell in the body phase: Rust reqwest names it by error kind (Body,
    // Decode), Go net/http and undici in words, Python by the frames it was raised in (urllib3's
    // response reading, httpcore/httpx body streaming) even where a paste ends before the
    // exception. The same clients' connect timeouts stay network failures.
    check(&[
        (
            "stalled",
            &[
                "called `Result::unwrap()` on an `Err` value: reqwest::Error { kind: Decode, source: TimedOut }",
                "Error: reqwest::Error { kind: Body, source: TimedOut }",
                "error: reqwest::Error { kind: Body, source: hyper::Error(Body, Error { kind: TimedOut }) }",
                "Get \"https://cdn-lfs.hf.co/repos/x\": context deadline exceeded (Client.Timeout or context cancellation while reading body)",
                "net/http: request canceled (Client.Timeout or context cancellation while reading body)",
                "TypeError: terminated\n  [cause]: BodyTimeoutError: Body Timeout Error\n      code: 'UND_ERR_BODY_TIMEOUT'",
                "  File \"/env/lib/python3.8/site-packages/urllib3/response.py\", line 748, in _error_catcher\n    yield\n  File \"/env/lib/python3.8/site-packages/urllib3/response.py\", line 873, in _raw_read\n    data = self._fp_read(amt, read1=read1) if not fp_closed else b\"\"\n  File \"/env/lib/python3.8/http/client.py\", line 503, in readinto\n    n = self.fp.readinto(b)",
                "  File \"C:\\Python310\\lib\\site-packages\\urllib3\\response.py\", line 444, in _error_catcher\n    yield\n  File \"C:\\Python310\\lib\\site-packages\\urllib3\\response.py\", line 567, in read\n    data = self._fp_read(amt) if not fp_closed else b\"\"",
                "  File \"/env/lib/python3.10/site-packages/httpcore/_sync/http11.py\", line 217, in _receive_response_body\n    event = self._receive_event(timeout=timeout)",
                "  File \"/env/lib/python3.10/site-packages/httpx/_models.py\", line 897, in iter_raw\n    for raw_stream_bytes in self.stream:",
                "[rank0]:   File \"/env/urllib3/response.py\", line 748, in _error_catcher\n[rank0]:     yield\n[rank0]: TimeoutError: timed out",
            ],
        ),
        (
            "network_blocked",
            &[
                "reqwest::Error { kind: Request, url: \"https://huggingface.co/x\", source: hyper_util::client::legacy::Error(Connect, ConnectError(\"tcp connect error\", Os { code: 110, kind: TimedOut, message: \"Connection timed out\" })) }",
                "TypeError: fetch failed\n  cause: ConnectTimeoutError: Connect Timeout Error\n    code: 'UND_ERR_CONNECT_TIMEOUT'",
                "Get \"https://huggingface.co/api/models/x\": dial tcp 18.164.174.23:443: i/o timeout",
            ],
        ),
    ]);
}

#[test]
fn memory_that_runs_out_in_every_spelling() {
    check(&[(
        "resource_exhausted",
        &[
            "RuntimeError: [enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to allocate 268435456 bytes. Error code 12 (Cannot allocate memory)",
            "OSError: [Errno 12] Cannot allocate memory",
            "Error: IO error: Cannot allocate memory (os error 12)",
            "Not enough memory resources are available to process this command. (os error 8)",
            "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 1.2 GiB for an array with shape (160000, 2048) and data type float32",
            "MemoryError",
            "memory allocation of 8589934592 bytes failed",
            "terminate called after throwing an instance of 'std::bad_alloc'",
        ],
    )]);
}

#[test]
fn a_lock_that_cannot_be_taken_in_every_spelling() {
    check(&[(
        "lock_stuck",
        &[
            "OSError: [Errno 37] No locks available",
            "fatal: Unable to create '/work/m/.git/index.lock': File exists.",
            "fatal: Unable to create 'C:/Users/me/m/.git/shallow.lock': File exists.",
            "PermissionError: [WinError 32] The process cannot access the file because it is being used by another process: 'C:\\Users\\me\\.cache\\huggingface\\hub\\models--a--b\\blobs\\abc.incomplete'",
            "PermissionError: [WinError 32] 另一个程序正在使用此文件，进程无法访问。: 'C:\\hf\\hub\\models--a--b\\blobs\\abc.incomplete'",
            "Error: Failed to acquire lock on /root/.cache/huggingface/xet/chunk-cache",
            "Unable to obtain a file lock on C:\\hf\\hub\\.locks\\models--a--b\\abc.lock",
            "2024-07-09 16:49:48,434 - filelock - DEBUG - Lock 137698966490000 not acquired on /home/u/.cache/huggingface/hub/.locks/models--org--m/0494.lock, waiting 0.05 seconds",
            "03/21/2022 17:53:19 - DEBUG - datasets.utils.filelock - Lock 140386484514192 not acquired on /dbfs/cache/x.lock, waiting 0.05 seconds ...",
            "Still waiting to acquire lock on /root/.cache/huggingface/hub/.locks/models--org--m/abc.lock (elapsed: 10.1 seconds)",
        ],
    )]);
}

#[test]
fn a_refused_token_told_by_the_log_itself() {
    check(&[(
        "token_invalid",
        &[
            // An app's own words for a refused token, alone and beside a bare 401.
            "Your token is invalid. Please log in again with `hf auth login`.",
            "401 Unauthorized: Invalid token",
            "Error: Hugging Face token has expired",
            "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/org/m/resolve/main/config.json\nERROR app: your HF token was rejected",
            // A pasted token with curly quotes or a zero-width space cannot go in a header.
            "UnicodeEncodeError: 'latin-1' codec can't encode character '\\u201c' in position 7: ordinal not in range(256)",
            "UnicodeEncodeError: 'latin-1' codec can't encode character '\\u200b' in position 44: ordinal not in range(256)",
            // The log shows the login; the 401 after it is the token's, not a missing one.
            "Token is valid (permission: read).\nLogin successful\nrequests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/org/m/resolve/main/config.json",
            "Login successful\nError: request error: https://huggingface.co/org/m/resolve/main/tokenizer.json: status code 401",
            // A listing anyone may read answers 401 only to a refused token.
            "httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'https://huggingface.co/api/models?search=llama&limit=10'",
            "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/datasets?author=org",
        ],
    )]);
    // Without the login line a bare 401 is still "gated, private or missing".
    assert_eq!(explain("requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/org/m/resolve/main/config.json").cause.id(), "auth_required");
    // A login alone is no failure.
    assert_eq!(explain("Token is valid (permission: read).\nLogin successful").cause.id(), "unknown");
}

#[test]
fn a_token_that_is_not_a_token_in_every_layer() {
    check(&[(
        "token_invalid",
        &[
            // Ctrl+V in a hidden Windows console prompt types \x16: the repr shows it wherever the
            // token is printed (locals, a header value), and the Hub answers whoami with a 400.
            "token = '\\x16'",
            "│ │ token = '\\x16'      │ │",
            "    hf_token: '\\x16'",
            "httpx.LocalProtocolError: Illegal header value b'Bearer \\x16'",
            "requests.exceptions.InvalidHeader: header value b'Bearer \\x03' is not allowed",
            "requests.exceptions.HTTPError: 400 Client Error: Bad Request for url: https://huggingface.co/api/whoami-v2",
            "huggingface_hub.errors.HfHubHTTPError: Client error '400 Bad Request' for url 'https://huggingface.co/api/whoami-v2'",
        ],
    )]);
}

#[test]
fn transformers_js_and_the_hubs_region_answer() {
    check(&[
        ("not_found", &["Error: Could not locate file: \"https://huggingface.co/org/m/resolve/main/onnx/model_quantized.onnx\"."]),
        ("offline_mode", &["Error: `local_files_only=true` or `env.allowRemoteModels=false` and file was not found locally at \"/models/org/m/tokenizer.json\"."]),
        ("network_blocked", &["x-error-message: This model is not available in your region.", "HTTP 403: This model is not available in your country"]),
        ("corrupt_partial", &["RuntimeError: unexpected EOF, expected 50821517 more bytes. The file might be corrupted."]),
        ("network_blocked", &["Unable to fetch file metadata for \"https://huggingface.co/org/m/resolve/main/tokenizer_config.json\": TypeError: fetch failed"]),
        ("auth_required", &["Error: Unauthorized access to file: \"https://huggingface.co/org/private/resolve/main/config.json\"."]),
        ("not_found", &["ERROR    Exception: 404 Client Error. (Request ID:\n                         Entry Not Found for url:\n                         https://huggingface.co/org/m/resolve/main/model_index.json."]),
    ]);
}

#[test]
fn a_placeholder_for_a_repo_id_is_no_repo() {
    check(&[(
        "not_found",
        &[
            "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/MODEL_PATH/resolve/main/config.json",
            "huggingface_hub.errors.RepositoryNotFoundError: 401 Client Error. Repository Not Found for url: https://huggingface.co/None/resolve/main/config.json.",
            "404 Client Error: Not Found for url: https://huggingface.co/api/models/path/to/model/revision/main",
        ],
    )]);
    // A repo of that name with an owner and a real-looking name is a repo.
    assert_eq!(explain("401 Client Error: Unauthorized for url: https://huggingface.co/meta-llama/Llama-2-7b-hf/resolve/main/config.json").cause.id(), "auth_required");
}

#[test]
fn a_message_wrapped_by_a_terminal_a_logger_or_a_panel() {
    check(&[
        (
            "offline_mode",
            &[
                "LocalEntryNotFoundError: Cannot find an appropriate cached snapshot folder for the specified revision on the local disk and outgoing\n  traffic has been disabled. To enable repo look-ups and downloads online, pass 'local_files_only=False' as input.",
                "╭──────────────── Traceback ────────────────╮\n│ Offline mode is │\n│ enabled.         │\n╰───────────────────────────────────────────╯",
            ],
        ),
        (
            "disk_full",
            &["RuntimeError: Data processing error: I/O error: No space left\n    on device (os error 28)"],
        ),
    ]);
}

#[test]
fn offline_mode_in_other_words() {
    check(&[(
        "offline_mode",
        &[
            "FileNotFoundError: Offline mode: file not found in cache",
            "OSError: Can't load tokenizer for 'org/m'. Make sure 'org/m' is the correct path to a directory containing all relevant files (offline mode)",
            "Error: Direct download failed: Model 'org/m' not found in cache and HF_HUB_OFFLINE is set. Cannot download model in offline mode.",
            "ERROR: TRANSFORMERS_OFFLINE is enabled, cannot download tokenizer",
            "IncompleteSnapshotError: The cached snapshot for 'org/m'\n  (revision 'main', commit 9de8) is incomplete:\n  6 file(s) are missing (.gitattributes, README.md).\n  Outgoing traffic is disabled ('local_files_only=True').",
            "ValueError: Couldn't find cache for org/data for config 'default'\nAvailable configs in the cache: ['other']",
        ],
    )]);
}

#[test]
fn a_name_that_does_not_resolve_in_every_spelling() {
    check(&[(
        "network_blocked",
        &[
            "socket.gaierror: [Errno -2] Name or service not known",
            "socket.gaierror: [Errno -3] Temporary failure in name resolution",
            "socket.gaierror: [Errno 8] nodename nor servname provided, or not known",
            "socket.gaierror: [Errno 11001] getaddrinfo failed",
            "socket.gaierror: [Errno 11004] getaddrinfo failed",
            "Post \"https://huggingface.co/org/m.git/info/lfs/objects/batch\": dial tcp: lookup huggingface.co on 127.0.0.53:53: no such host",
            "fatal: unable to access 'https://huggingface.co/org/m/': Could not resolve host: huggingface.co",
            "error sending request for url (https://huggingface.co/x): error trying to connect: dns error: failed to lookup address information: Name or service not known",
            "Error: Local entry not found. [Errno -3] Temporary failure in name resolution",
        ],
    )]);
}

#[test]
fn a_full_disk_in_every_spelling() {
    check(&[(
        "disk_full",
        &[
            "OSError: [Errno 28] No space left on device",
            "sqlite3.OperationalError: database or disk is full",
            "Failed to write to file: not enough space on device",
            "OSError: [Errno 28] 设备上没有空间",
            "OSError: [WinError 112] 磁盘空间不足。",
            "OSError: [WinError 112] Auf dem Datenträger ist nicht genug Speicherplatz vorhanden",
            "There is not enough space on the disk. (os error 112)",
            // Rust prints Windows's own message: any language, ASCII or not, is still 112.
            "Caused by:\n    Espacio en disco insuficiente. (os error 112)",
            "Caused by:\n    Недостаточно места на диске. (os error 112)",
            "Il n'y a pas assez d'espace sur le disque. (os error 112)",
            "Error: IO Error: 磁盘空间不足。 (os error 112)",
            // Writers that say it in their own words.
            "OSError: Not enough disk space. Needed: 1.17 GiB (download: 500 MiB, generated: 700 MiB, post-processed: Unknown size)",
            "RuntimeError: PytorchStreamWriter failed writing file data/8: file write failed",
            "RuntimeError: [enforce fail at inline_container.cc:595] . unexpected pos 1088 vs 962",
            "12/01 10:00:00 [ERROR] CUID#7 - Download aborted. URI=https://huggingface.co/x/resolve/main/m.safetensors\nException: [AbstractDiskWriter.cc:557] errNum=28 errorCode=9 Failed to write into the file /data/m.safetensors",
            "RuntimeError: Data processing error: I/O error: No space left on device (os error 28)",
            "safetensors_rust.SafetensorError: Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: \"No space left on device\" })",
            "OSError: [Errno 122] Disk quota exceeded",
            "[rank1]: OSError: [Errno 28] No space left on device: '/root/.cache/huggingface/hub/models--org--m/blobs/abc.incomplete'",
            // curl's exit 23 after a write failed, and a `df` row of a full filesystem beside it.
            "curl: (23) Failure writing output to destination",
            "curl: (23) Failed writing body (0 != 16384)",
            "curl: (23) Failed writing received data to disk/application",
            "Downloading model...\ncurl: (23) Failure writing output to destination\n$ df -h\nFilesystem  Size  Used Avail Use% Mounted on\n/dev/nvme0n1p1  80G  2.8G   78G   4% /\ntmpfs  3.9G  3.9G     0 100% /tmp",
            "/dev/disk3s1   460Gi  460Gi   0Bi   100%  1.2M  4.8G    0%   /System/Volumes/Data",
        ],
    )]);
}

#[test]
fn shared_memory_that_runs_out_is_not_the_disk() {
    // /dev/shm (64 MB in a default Docker container) full: torch's DataLoader, its shared-memory
    // files, Python's semaphores and shared_memory segments, in any locale or rank prefix.
    check(&[(
        "resource_exhausted",
        &[
            "RuntimeError: DataLoader worker (pid 13) is killed by signal: Bus error. It is possible that dataloader's workers are out of shared memory. Please try to raise your shared memory limit.",
            "ERROR: Unexpected bus error encountered in worker. This might be caused by insufficient shared memory (shm).",
            "RuntimeError: unable to write to file </torch_1394_2747491098>: No space left on device (28)",
            "[rank0]: RuntimeError: unable to write to file </torch_4120_2016342355_0>: No space left on device (28)",
            "OSError: [Errno 28] No space left on device: '/dev/shm/psm_3f2a1b'",
            "OSError: [Errno 28] 设备上没有空间: '/dev/shm/wnsm_4c1a2b'",
            "  File \"/usr/lib/python3.10/multiprocessing/synchronize.py\", line 57, in __init__\n    sl = self._semlock = _multiprocessing.SemLock(\nOSError: [Errno 28] No space left on device",
            "    SemLock.__init__(self, SEMAPHORE, 1, 1, ctx=ctx)\n  File \"/usr/lib/python3.8/multiprocessing/synchronize.py\", line 57, in __init__\nOSError: [Errno 28] No space left on device",
        ],
    )]);
}

#[test]
fn a_429_however_it_is_printed_or_wrapped() {
    check(&[(
        "rate_limited",
        &[
            "requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/x/y/resolve/main/config.json",
            "httpx.HTTPStatusError: Client error '429 Too Many Requests' for url 'https://huggingface.co/api/models/x/y'",
            "429 Too Many Requests: you have reached your 'api' rate limit.",
            "[HttpSkipResponseCommand.cc:239] errorCode=22 The response status is not successful. status=429",
            "HTTP request sent, awaiting response... 429 Too Many Requests",
            "fatal: unable to access 'https://huggingface.co/x/y/': The requested URL returned error: 429",
            "Download failed: request error: HTTP status client error (429 Too Many Requests) for url (https://huggingface.co/x/y/resolve/main/a.json)",
            "get_repo_files: error: GET failed (429): <!DOCTYPE html>",
            "OSError: There was a specific connection error when trying to load org/m:\n429 Client Error: Too Many Requests for url: https://huggingface.co/org/m/resolve/main/config.json",
            // datasets / transformers hide it behind a "could not reach" wrapper: the chain still says 429.
            "huggingface_hub.errors.HfHubHTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/api/datasets/org/d/paths-info/abc\n\nThe above exception was the direct cause of the following exception:\n\nhuggingface_hub.errors.LocalEntryNotFoundError: An error happened while trying to locate the file on the Hub and we cannot find the requested files in the local cache.",
            "'(MaxRetryError('HTTPSConnectionPool(host=\\'huggingface.co\\', port=443): Max retries exceeded with url: /x (Caused by ResponseError(\\'too many 429 error responses\\'))'))' thrown while requesting HEAD https://huggingface.co/x\nHTTP Error 429 thrown while requesting HEAD https://huggingface.co/org/m/resolve/main/config.json\nOSError: We couldn't connect to 'https://huggingface.co' to load this file",
            // The Hub's quota wording states a wait, not a status.
            "You have exceeded our hourly quotas for action: commit. You can retry this action in about 5 minutes.",
        ],
    )]);
}

#[test]
fn every_stated_wait_becomes_retry_after() {
    for (text, secs) in [
        ("429 Too Many Requests: you have reached your 'api' rate limit.\nRetry after 42 seconds (0/500 requests remaining in current 300s window).", "42"),
        ("HfHubHTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/api/x\nYou can retry this action in about 5 minutes.", "300"),
        ("You can retry this action in about 1 hour.", "3600"),
        ("HTTP Error 429 thrown while requesting GET https://huggingface.co/api/x\n< Retry-After: 30", "30"),
        ("HTTP Error 429 thrown while requesting GET https://huggingface.co/api/x\nRateLimit: \"api\";r=0;t=55", "55"),
        // An absurd wait stays as the Hub stated it (the fix quotes it); the policy caps the wait.
        ("HTTP Error 429 thrown while requesting GET https://huggingface.co/api/x\nRetry after 99999999 seconds", "99999999"),
    ] {
        let d = explain(text);
        assert_eq!(d.cause.id(), "rate_limited", "{text}");
        assert_eq!(d.details.get("retry_after").map(String::as_str), Some(secs), "{text}: {:?}", d.details);
    }
}

#[test]
fn a_5xx_however_it_is_printed_and_a_proxys_5xx_is_the_proxy() {
    check(&[
        (
            "server_error",
            &[
                "[HttpSkipResponseCommand.cc:239] errorCode=22 The response status is not successful. status=503",
                "HTTP request sent, awaiting response... 502 Bad Gateway",
                "httpx.HTTPStatusError: Server error '503 Service Unavailable' for url 'https://huggingface.co/api/models/x/y'",
                "fatal: unable to access 'https://huggingface.co/x/y/': The requested URL returned error: 500",
                "HTTP Request: GET https://huggingface.co/api/models/x/y \"HTTP/1.1 504 Gateway Time-out\"",
                "System.Net.Http.HttpRequestException: Response status code does not indicate success: 503 (Service Unavailable).",
                "urllib.error.HTTPError: HTTP Error 503: Service Unavailable",
                // CloudFront's error page, printed or saved as the file (its heading line).
                "504 ERROR\nThe request could not be satisfied.\nGenerated by cloudfront (CloudFront)",
                "502 ERROR\nThe request could not be satisfied.",
                "<H1>503 ERROR</H1>\n<H2>The request could not be satisfied.</H2>",
            ],
        ),
        (
            "network_blocked",
            &[
                "requests.exceptions.ProxyError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /x (Caused by ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: 503 Service Unavailable')))",
            ],
        ),
    ]);
}

#[test]
fn the_hubs_internal_error_page_however_it_reaches_the_log() {
    check(&[(
        "server_error",
        &[
            // A client that saved the body as the model file, then `cat` of that file.
            "Internal Error - We're working hard to fix this as soon as possible!",
            // huggingface_hub 0.x appends the server's message to the HTTPError line.
            "requests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: https://huggingface.co/api/models/x/y - Internal Error - We're working hard to fix that as soon as possible!",
            // curl -v showing the header.
            "< X-Error-Message: Internal Error - We're working hard to fix this as soon as possible!",
            // A Rust / Go client printing the JSON body it got.
            "Error: request error: {\"error\":\"Internal Error - We're working hard to fix this as soon as possible!\"}",
        ],
    )]);
}

#[test]
fn the_cdn_refusing_a_link_the_hub_signed_is_the_hubs_fault_not_the_token() {
    check(&[(
        "server_error",
        &[
            "403 Forbidden — Auth failed: SignatureError: invalid key pair id",
            // reqwest (hf_xet, Rust clients) and requests print the status, then the CDN's body.
            "HTTP status client error (403 Forbidden) for url (https://us.gcp.cdn.hf.co/xet-bridge-us/abc): Auth failed: SignatureError: invalid key pair id",
            "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://us.gcp.cdn.hf.co/xet-bridge-us/abc - Auth failed: SignatureError: invalid key pair id",
            "< HTTP/2 403\n<\nAuth failed: SignatureError: invalid key pair id",
            "403 Auth failed: invalid range",
        ],
    )]);
}

#[test]
fn a_weak_etag_made_into_a_cache_path_is_the_servers_fault_not_the_lock_or_the_disk() {
    check(&[(
        "server_error",
        &[
            // filelock on Windows, Python's repr of the path.
            "OSError: [Errno 22] Invalid argument: 'huggingface\\\\hub\\\\models--openai--clip-vit-large-patch14\\\\blobs\\\\W/\"4297ea6a8d2bae1fea8f48b45e257814dcb11f69.lock'",
            // The same name refused by a Windows call, in German and Chinese.
            "OSError: [WinError 123] Die Syntax für den Dateinamen, Verzeichnisnamen oder die Datenträgerbezeichnung ist falsch: 'C:\\\\Users\\\\me\\\\.cache\\\\huggingface\\\\hub\\\\models--org--m\\\\blobs\\\\W/\"18427dfd350d372b46e0f97328cd81bc3e11ca78.incomplete'",
            "OSError: [WinError 123] 文件名、目录名或卷标语法不正确。: 'D:\\\\hf\\\\hub\\\\models--org--m\\\\blobs\\\\W/\"18427dfd350d372b46e0f97328cd81bc3e11ca78'",
            // On Linux and macOS the `W/` is a folder that is not there.
            "FileNotFoundError: [Errno 2] No such file or directory: '/root/.cache/huggingface/hub/models--org--m/blobs/W/\"4297ea6a8d2bae1fea8f48b45e257814dcb11f69.incomplete'",
            // A logger printing the path itself, single backslashes.
            "Downloading to C:\\Users\\me\\.cache\\huggingface\\hub\\models--org--m\\blobs\\W/\"4297ea6a8d2bae1fea8f48b45e257814dcb11f69.incomplete failed",
        ],
    )]);
}

#[test]
fn another_services_connection_failure_is_not_the_hub() {
    for text in [
        "redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. Connection refused.",
        "Connection refused by localhost:6379",
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.openai.com', port=443): Max retries exceeded with url: /v1/chat/completions (Caused by NewConnectionError('<x>: Failed to establish a new connection: [Errno 111] Connection refused'))",
        "psycopg2.OperationalError: connection to server at \"db.internal.example\" (10.0.0.5), port 5432 failed: Connection refused",
        // The app's own server logging its answers.
        "INFO:     127.0.0.1:54321 - \"POST /v1/chat/completions HTTP/1.1\" 500 Internal Server Error",
        "INFO:     240e:369::1:0 - \"GET /ui/is_model_training HTTP/1.1\" 401 Unauthorized",
        "172.17.0.1 - - [12/Jul/2025:10:19:46 +0000] \"GET /favicon.ico HTTP/1.1\" 404 153",
    ] {
        let d = explain(text);
        assert_eq!(d.cause.id(), "unknown", "{text}: {:?} {:?}", d.rule, d.evidence);
    }
    // The same failure toward the Hub, or toward a Hub-shaped path on loopback (the configured endpoint).
    for text in [
        "fatal: unable to access 'http://127.0.0.1:9/fake-org/tiny-model/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server",
        "ConnectionError: Couldn't reach https://raw.githubusercontent.com/huggingface/datasets/2.19.1/metrics/seqeval/seqeval.py (ConnectionError(MaxRetryError(\"HTTPSConnectionPool(host='raw.githubusercontent.com', port=443): Max retries exceeded (Caused by NewConnectionError('<x>: Failed to establish a new connection: [Errno 111] Connection refused'))\")))",
    ] {
        assert_eq!(explain(text).cause.id(), "network_blocked", "{text}");
    }
}

#[test]
fn a_librarys_not_found_wrapper_is_explained_by_the_error_above_it() {
    let refused = "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /stabilityai/sd/resolve/main/unet/config.json (Caused by NewConnectionError('<x>: Failed to establish a new connection: [Errno 111] Connection refused'))";
    let tls = "requests.exceptions.SSLError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /x (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)')))";
    let wrapper = "OSError: stabilityai/stable-diffusion-2-1 does not appear to have a file named config.json.";
    let during = "During handling of the above exception, another exception occurred:";
    for above in [refused, tls] {
        let d = explain(&format!("{above}\n\n{during}\n\n{wrapper}"));
        assert_eq!(d.cause.id(), "network_blocked", "{above}");
    }
    // On its own the wrapper is what it says.
    assert_eq!(explain(wrapper).cause.id(), "not_found");
    // A 429 above it explains it as well; a gated repo too.
    assert_eq!(explain(&format!("HTTP Error 429 thrown while requesting HEAD https://huggingface.co/a/b/resolve/main/config.json\n{wrapper}")).cause.id(), "rate_limited");
    assert_eq!(
        explain(&format!("huggingface_hub.errors.GatedRepoError: 401 Client Error.\n{wrapper}")).cause.id(),
        "auth_required"
    );
}

#[test]
fn the_hubs_invalid_username_or_password_is_git_only_after_remote() {
    let py = "huggingface_hub.utils._errors.RepositoryNotFoundError: 401 Client Error. (Request ID: Root=1-abc)\n\nRepository Not Found for url: https://huggingface.co/org/private/resolve/main/config.json.\nPlease make sure you specified the correct `repo_id` and `repo_type`.\nIf you are trying to access a private or gated repo, make sure you are authenticated.\nInvalid username or password.";
    assert_eq!(explain(py).cause.id(), "not_found");
    assert_eq!(explain("Invalid username or password.").cause.id(), "auth_required");
    let git = "remote: Invalid username or password.\nfatal: Authentication failed for 'https://huggingface.co/org/m/'";
    assert_eq!(explain(git).cause.id(), "token_invalid");
    let git_pw = "remote: Password authentication in git is no longer supported. You must use a user access token or an SSH key instead.\nfatal: Authentication failed for 'https://huggingface.co/org/m/'";
    assert_eq!(explain(git_pw).cause.id(), "auth_required");
}

#[test]
fn hf_transfer_failing_names_hf_transfer_whatever_the_socket_said() {
    for above in [
        "requests.exceptions.ChunkedEncodingError: ('Connection broken: IncompleteRead(4194304 bytes read, 4194304 more expected)', IncompleteRead(4194304 bytes read, 4194304 more expected))",
        "Exception: Error while downloading: reqwest::Error { kind: Body, source: hyper::Error(Body, Custom { kind: UnexpectedEof, error: IncompleteBody }) }",
        "Exception: Failed too many failures in parallel (3): PyErr { type: <class 'Exception'>, value: Exception('Error while downloading: reqwest::Error { kind: Body, source: hyper::Error(Body, Os { code: 104, kind: ConnectionReset, message: \"Connection reset by peer\" }) }'), traceback: None } (NoPermits)",
    ] {
        let text = format!("{above}\n\nThe above exception was the direct cause of the following exception:\n\nRuntimeError: An error occurred while downloading using `hf_transfer`. Consider disabling HF_HUB_ENABLE_HF_TRANSFER for better error handling.");
        let d = explain(&text);
        assert_eq!((d.cause.id(), d.rule.as_deref()), ("stalled", Some("hf-transfer-failed")), "{above}");
        assert!(d.fix.contains("HF_HUB_ENABLE_HF_TRANSFER"), "{}", d.fix);
    }
}

#[test]
fn the_tls_fix_names_the_ca_variable_the_failing_client_reads() {
    for (text, var) in [
        ("requests.exceptions.SSLError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /x (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))", "REQUESTS_CA_BUNDLE"),
        ("httpx.ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)", "SSL_CERT_FILE"),
        ("Error: Local entry not found. [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)", "SSL_CERT_FILE"),
        ("fatal: unable to access 'https://huggingface.co/org/m/': SSL certificate problem: self-signed certificate in certificate chain", "GIT_SSL_CAINFO"),
    ] {
        let d = explain(text);
        assert_eq!(d.cause.id(), "network_blocked", "{text}");
        assert!(d.fix.contains(var), "{text}\nfix: {}", d.fix);
    }
}

#[test]
fn a_missing_command_in_every_shell_and_language() {
    check(&[(
        "tool_missing",
        &[
            "bash: huggingface-cli: command not found",
            "bash: huggingface-cli: Befehl nicht gefunden",
            "bash: line 1: hf: commande introuvable",
            "zsh: command not found: hf",
            "zsh: Kommando nicht gefunden: huggingface-cli",
            "sh: 1: hf: not found",
            "'huggingface-cli' is not recognized as an internal or external command,",
            "'huggingface-cli' 不是内部或外部命令，也不是可运行的程序",
            "'hf' n'est pas reconnu en tant que commande interne",
            "'hf' no se reconoce como un comando interno o externo,",
            "'huggingface-cli' は、内部コマンドまたは外部コマンド、",
            "    + CategoryInfo          : ObjectNotFound: (hf:String) [], CommandNotFoundException",
            "git: 'lfs' is not a git command. See 'git --help'.",
            "git: 'lfs' ist kein Git-Befehl. Siehe 'git --help'.",
            "git-lfs filter-process: git-lfs: command not found",
            "/bin/sh: 1: aria2c: not found",
            "zsh: command not found: aria2c",
            "[ERROR] git-lfs is not installed",
            // dash names whatever ran it, then the line: `$0: LINE: cmd: not found`.
            "sh: 1: git-lfs: not found",
            "git-lfs filter-process: 1: git-lfs: not found",
            "./download.sh: 12: huggingface-cli: not found",
            "/opt/hfd/hfd.sh: 214: hf: not found",
        ],
    )]);
}

#[test]
fn a_subcommand_an_old_huggingface_hub_lacks_in_every_python() {
    // argparse's wording before 3.9, from 3.9 (`argument {…}:`) and from 3.12.8 (unquoted choices).
    check(&[(
        "tool_missing",
        &[
            "huggingface-cli: error: invalid choice: 'download' (choose from 'env', 'login', 'whoami', 'logout', 'repo', 'lfs-enable-largefiles', 'lfs-multipart-upload', 'scan-cache', 'delete-cache')",
            "huggingface-cli: error: argument {env,login,whoami,logout,repo,lfs-enable-largefiles,lfs-multipart-upload,scan-cache,delete-cache}: invalid choice: 'download' (choose from env, login, whoami, logout, repo, lfs-enable-largefiles, lfs-multipart-upload, scan-cache, delete-cache)",
            "huggingface-cli: error: argument {env,login,whoami,logout,repo,lfs-enable-largefiles,lfs-multipart-upload,scan-cache,delete-cache,download}: invalid choice: 'upload' (choose from 'env', 'login', 'whoami', 'logout', 'repo', 'lfs-enable-largefiles', 'lfs-multipart-upload', 'scan-cache', 'delete-cache', 'download')",
            "2024-01-05T10:00:00.0000000Z huggingface-cli: error: invalid choice: 'download' (choose from 'env', 'login')",
        ],
    )]);
}

#[test]
fn a_go_body_that_ended_short_in_a_retry_loop_is_a_stall() {
    // io.ErrUnexpectedEOF as a download's retry chain ends in it: client line, server log, colour.
    check(&[(
        "stalled",
        &[
            "Error: max retries exceeded: unexpected EOF",
            "\x1b[31mError: max retries exceeded: unexpected EOF\x1b[0m",
            "time=2024-12-23T21:40:20.330Z level=INFO source=download.go:291 msg=\"60e05f210007 part 5 attempt 0 failed: unexpected EOF, retrying in 1s\"",
            "2023/11/07 11:36:24 download.go:160: 153664158022 part 75 attempt 2 failed: unexpected EOF, retrying",
        ],
    )]);
}

#[test]
fn a_name_an_installed_hf_library_lacks_is_a_version_mismatch_not_the_named_error() {
    // Python's ImportError names identifiers; an exception class among them was never raised.
    check(&[(
        "tool_missing",
        &[
            "ImportError: cannot import name 'GatedRepoError' from 'huggingface_hub.utils' (/venv/lib/python3.9/site-packages/huggingface_hub/utils/__init__.py)",
            "ImportError: cannot import name 'RepositoryNotFoundError' from 'huggingface_hub.errors' (C:\\Users\\me\\venv\\Lib\\site-packages\\huggingface_hub\\errors.py)",
            "ImportError: cannot import name 'OfflineModeIsEnabled' from 'huggingface_hub.utils'",
            "[rank0]: ImportError: cannot import name 'EntryNotFoundError' from 'huggingface_hub.errors' (/usr/local/lib/python3.10/dist-packages/huggingface_hub/errors.py)",
            "RuntimeError: Failed to import transformers.generation.utils because of the following error (look up to see its traceback):\ncannot import name 'split_torch_state_dict_into_shards' from 'huggingface_hub' (/usr/local/lib/python3.10/dist-packages/huggingface_hub/__init__.py)",
            "ImportError: cannot import name 'is_offline_mode' from 'transformers.utils' (/opt/venv/lib/python3.11/site-packages/transformers/utils/__init__.py)",
        ],
    )]);
}

#[test]
fn file_permissions_in_every_spelling_but_not_ssh_keys() {
    check(&[
        (
            "cache_unwritable",
            &[
                "PermissionError: [Errno 13] Permission denied: '/root/.cache/huggingface/hub/models--org--m'",
                "PermissionError: [WinError 5] 拒绝访问。: 'C:\\\\Users\\\\me\\\\.cache\\\\huggingface\\\\hub\\\\models--org--m'",
                "PermissionError: [WinError 5] Zugriff verweigert: 'C:\\\\Users\\\\me\\\\.cache\\\\huggingface'",
                "OSError: [Errno 30] Read-only file system: '/models/hub'",
                "mkdir: cannot create directory '/root/.cache/huggingface': Permission denied",
                "Error: mkdir /data/hf/hub: permission denied",
                "Download failed: I/O error Permission denied (os error 13)",
                // hf_xet wraps the OS error of its own cache or log directory.
                "RuntimeError: Data processing error: I/O error: Permission denied (os error 13)",
                "Data processing error: I/O error: Read-only file system (os error 30)",
                "RuntimeError: Data processing error: I/O error: Access is denied. (os error 5)",
                "RuntimeError: Data processing error: I/O error: 拒绝访问。 (os error 5)",
                // curl names the file it could not open before its exit 23.
                "Warning: Failed to create the file model.safetensors: Permission denied\ncurl: (23) Failure writing output to destination",
            ],
        ),
        ("auth_required", &["git@hf.co: Permission denied (publickey)."]),
    ]);
}

#[test]
fn an_os_error_passed_through_the_xet_backend_is_the_os_condition() {
    check(&[
        (
            "cache_unwritable",
            &[
                "RuntimeError: Data processing error: I/O error: Permission denied (os error 13)",
                "RuntimeError: Data processing error: CAS service error : IO Error: Permission denied (os error 13)",
                "RuntimeError: Data processing error: I/O error: Read-only file system (os error 30)",
                "RuntimeError: Data processing error: I/O error: Keine Berechtigung (os error 13)",
                "RuntimeError: Data processing error: I/O error: 权限不够 (os error 13)",
            ],
        ),
        (
            "disk_full",
            &[
                "RuntimeError: Data processing error: I/O error: No space left on device (os error 28)",
                "RuntimeError: Data processing error: CAS service error : IO Error: There is not enough space on the disk. (os error 112)",
                "RuntimeError: Data processing error: I/O error: Auf dem Gerät ist kein Speicherplatz mehr verfügbar (os error 28)",
            ],
        ),
        // The backend's own failures stay the backend's.
        ("tool_missing", &["RuntimeError: Data processing error: CAS service error : ReqwestMiddleware Error: Request failed after 5 retries"]),
    ]);
}

#[test]
fn windows_refusing_a_symbolic_link_in_every_language_and_layer() {
    check(&[(
        "cache_unwritable",
        &[
            "OSError: [WinError 1314] A required privilege is not held by the client: '..\\\\..\\\\blobs\\\\ae8c' -> 'C:\\\\Users\\\\me\\\\.cache\\\\huggingface\\\\hub\\\\models--org--m\\\\snapshots\\\\0432\\\\config.json'",
            "OSError: [WinError 1314] 客户端没有所需的特权。: 'C:\\\\Users\\\\me\\\\.cache\\\\huggingface\\\\hub'",
            "OSError: [WinError 1314] 用戶端沒有這項特殊權限。: 'C:\\\\Users\\\\me\\\\.cache\\\\huggingface\\\\hub'",
            "OSError: [WinError 1314] クライアントは要求された特権を保有していません。: 'C:\\\\Users\\\\me\\\\.cache'",
            "OSError: [WinError 1314] Dem Client fehlt ein erforderliches Recht: 'C:\\\\Users\\\\me\\\\.cache'",
            "OSError: [WinError 1314] Le client ne dispose pas d’un privilège nécessaire: 'C:\\\\Users\\\\me\\\\.cache'",
            "OSError: [WinError 1314] Klient nie ma wymaganych uprawnień: 'C:\\\\Users\\\\me\\\\.cache'",
            // Rust prints Windows's own message with the number, ASCII or not.
            "Error: I/O error A required privilege is not held by the client. (os error 1314)",
            "Error: I/O error Клиент не обладает требуемыми правами. (os error 1314)",
            "Os { code: 1314, kind: Uncategorized, message: \"A required privilege is not held by the client.\" }",
            // Dart, and tools that print only the message.
            "FileSystemException: Cannot create link, path = 'C:\\\\x' (OS Error: A required privilege is not held by the client, errno = 1314)",
            "ERROR: Cannot create symbolic link : A required privilege is not held by the client.",
        ],
    )]);
}

#[test]
fn a_windows_path_past_max_path_in_every_layer_and_language() {
    // huggingface_hub's staging names (`<file>.<etag>.incomplete`, `.metadata`, `blobs\<sha>`)
    // under a deep Windows folder: opening them fails as a missing file or path.
    check(&[(
        "cache_unwritable",
        &[
            "FileNotFoundError: [Errno 2] No such file or directory: 'C:\\\\Users\\\\me\\\\AppData\\\\Roaming\\\\app\\\\models\\\\org\\\\model\\\\.cache\\\\huggingface\\\\download\\\\weights.safetensors.3f2a9c.incomplete'",
            "FileNotFoundError: [Errno 2] No such file or directory: 'D:\\\\AI\\\\ComfyUI\\\\custom_nodes\\\\node\\\\ckpts\\\\org\\\\m\\\\.huggingface\\\\download\\\\model.onnx.1e1faf7e.incomplete'",
            "!!! Exception during processing !!! [Errno 2] No such file or directory: 'E:\\\\ComfyUI\\\\models\\\\cache\\\\models--org--m\\\\blobs\\\\501f0c75b3bca7daec6b3682c5054c09b366765aef6fa3a09d03a5cb4b230853.incomplete'",
            "FileNotFoundError: [WinError 3] 系统找不到指定的路径。: 'C:\\\\Users\\\\me\\\\app\\\\ckpts\\\\m\\\\.cache\\\\huggingface\\\\download\\\\config.json.metadata'",
            "FileNotFoundError: [WinError 3] Das System kann den angegebenen Pfad nicht finden: 'C:\\\\Users\\\\me\\\\app\\\\ckpts\\\\m\\\\.cache\\\\huggingface\\\\download\\\\config.json.lock'",
            "FileNotFoundError: [WinError 3] Le chemin d’accès spécifié est introuvable: 'C:\\\\Users\\\\me\\\\app\\\\ckpts\\\\m\\\\.cache\\\\huggingface\\\\download\\\\model.bin.9a78ef.incomplete'",
            "[WinError 3] The system cannot find the path specified: 'C:\\Users\\me\\app\\ckpts\\m\\.cache\\huggingface\\download\\sub\\model.safetensors.metadata'",
        ],
    )]);
}

#[test]
fn aria2_exit_codes_read_as_what_they_stand_for() {
    check(&[
        (
            "auth_required",
            &[
                "Exception: [AbstractCommand.cc:351] errorCode=24 URI=https://huggingface.co/org/gated/resolve/main/ae.safetensors\n  -> [HttpSkipResponseCommand.cc:215] errorCode=24 Authorization failed.",
                "HTTP request sent, awaiting response... 401 Unauthorized",
            ],
        ),
        (
            "not_found",
            &[
                "Exception: [AbstractCommand.cc:351] errorCode=3 URI=https://huggingface.co/org/m/resolve/main/missing.gguf\n  -> [HttpSkipResponseCommand.cc:215] errorCode=3 Resource not found",
                "--2024-05-01 10:00:00--  https://huggingface.co/org/m/resolve/main/missing.gguf\nHTTP request sent, awaiting response... 404 Not Found\n2024-05-01 10:00:01 ERROR 404: Not Found.",
            ],
        ),
        (
            "network_blocked",
            &[
                "Exception: [AbstractCommand.cc:351] errorCode=1 URI=https://huggingface.co/org/m/resolve/main/m.safetensors\n  -> [SocketCore.cc:1019] errorCode=1 SSL/TLS handshake failure: Error: An existing connection was forcibly closed by the remote host.",
                "  -> [SocketCore.cc:1018] errorCode=1 SSL/TLS handshake failure: unable to get local issuer certificate",
                "  -> [SocketCore.cc:1019] errorCode=1 SSL/TLS handshake failure: Error: The revocation function was unable to check revocation because the revocation server was offline.",
                "fatal: unable to access 'https://huggingface.co/org/m/': schannel: next InitializeSecurityContext failed: CRYPT_E_REVOCATION_OFFLINE (0x80092013) - The revocation function was unable to check revocation because the revocation server was offline.",
                "Exception: [AbstractCommand.cc:351] errorCode=19 URI=https://huggingface.co/org/m/resolve/main/m.safetensors\n  -> [AbstractCommand.cc:913] errorCode=19 Name resolution for huggingface.co failed",
            ],
        ),
    ]);
}

#[test]
fn a_weights_file_that_is_cut_or_is_not_weights_in_every_loader() {
    check(&[
        (
            "corrupt_partial",
            &[
                "safetensors_rust.SafetensorError: Error while deserializing header: MetadataIncompleteBuffer",
                "safetensors_rust.SafetensorError: Error while deserializing header: InvalidHeaderDeserialization",
                "RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central directory",
                "zipfile.BadZipFile: File is not a zip file",
                "_pickle.UnpicklingError: invalid load key, '<'.",
                "gguf_init_from_file_impl: tensor 'blk.31.ffn_down.weight' data is not within the file bounds, model is corrupted or incomplete",
                "gguf_init_from_file: failed to read key-value pairs",
                "RuntimeError: Model has been downloaded but the SHA256 checksum does not not match. Please retry loading the model.",
                "Error: hash mismatch for model.safetensors: expected 3f2a got 9c1d",
                "OSError: Consistency check failed: file should be of size 4976698672 but has size 1300000000 (model-00001-of-00002.safetensors).",
                // A header that cannot be read says nothing of why: cut, an error page, a pointer.
                "safetensors_rust.SafetensorError: Error while deserializing header: HeaderTooLarge",
                // safetensors >= 0.6 prints the messages, not the names.
                "safetensors._safetensors_rust.SafetensorError: Error while deserializing header: header too large",
                "safetensors._safetensors_rust.SafetensorError: Error while deserializing header: invalid JSON in header: EOF while parsing a string at line 1 column 16",
                "SafetensorError: Error while deserializing header: incomplete metadata, file not fully covered",
            ],
        ),
        (
            "tool_missing",
            &[
                "Cloning into 'm'...\nsafetensors._safetensors_rust.SafetensorError: Error while deserializing header: header too large",
                "SyntaxError: Unexpected token 'v', \"version ht\"... is not valid JSON",
                // The same line after a clone is the git-lfs pointer a clone without git-lfs leaves.
                "Cloning into 'stable-diffusion-v1-5'...\nsafetensors_rust.SafetensorError: Error while deserializing header: HeaderTooLarge",
                "$ git clone https://huggingface.co/org/m\nsafetensors_rust.SafetensorError: Error while deserializing header: HeaderTooLarge",
                "_pickle.UnpicklingError: invalid load key, 'v'.",
            ],
        ),
    ]);
}

#[test]
fn browsers_java_and_rust_tell_network_and_token_failures_their_own_way() {
    check(&[
        (
            "network_blocked",
            &[
                "ERR_NAME_NOT_RESOLVED",
                "Error: net::ERR_CONNECTION_REFUSED at https://huggingface.co/api/models/x",
                "TypeError: Failed to fetch (net::ERR_INTERNET_DISCONNECTED)",
                "java.net.UnknownHostException: huggingface.co",
                "javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target",
            ],
        ),
        (
            "token_invalid",
            &[
                "Error: builder error: failed to parse header value",
                "error: invalid HTTP header value for Authorization",
            ],
        ),
        // A token that may not read gated repos: hfwrap asks the Hub which it is (its fix says).
        (
            "auth_required",
            &["403 Forbidden: Please enable access to public gated repositories in your fine-grained token settings to view this repository.."],
        ),
        ("stalled", &["hf_transfer: Error while downloading: request or response body error: operation timed out"]),
        ("rate_limited", &["llama_load_model_from_hf: failed to download model: HTTP 429"]),
    ]);
}

#[test]
fn wget_and_curl_in_other_locales() {
    check(&[
        (
            "network_blocked",
            &[
                "正在解析主机 huggingface.co (huggingface.co)... 失败：未知的名称或服务。",
                "Auflösen des Hostnamens huggingface.co (huggingface.co) … fehlgeschlagen: Der Name oder der Dienst ist nicht bekannt.",
                "Résolution de huggingface.co (huggingface.co)… échec : Nom ou service inconnu.",
                "huggingface.co (huggingface.co) をDNSに問いあわせています... 失敗しました: 名前またはサービスが不明です.",
                "正在连接 huggingface.co (huggingface.co)|31.13.94.37|:443... 失败：连接超时。",
                "Verbindungsaufbau zu huggingface.co (huggingface.co)|18.1.2.3|:443 … fehlgeschlagen: Verbindungsaufbau abgelehnt.",
                "Подключение к huggingface.co (huggingface.co)|18.1.2.3|:443... ошибка: В соединении отказано.",
            ],
        ),
        (
            "disk_full",
            &[
                "wget: 写入 “model.safetensors” 时出错 (设备上没有空间)。",
                "Schreiben nach »model.safetensors« nicht möglich (Auf dem Gerät ist kein Speicherplatz mehr verfügbar).",
                "Impossible d'écrire dans « model.safetensors » (Aucun espace disponible sur le périphérique).",
            ],
        ),
        (
            "not_found",
            &["Invoke-WebRequest : Der Remoteserver hat einen Fehler zurückgegeben: (404) Nicht gefunden."],
        ),
        ("rate_limited", &["Invoke-WebRequest : The remote server returned an error: (429) Too Many Requests."]),
    ]);
}

#[test]
fn a_mismatch_that_is_no_file_s_checksum_is_no_corrupt_file() {
    check(&[(
        "unknown",
        &["WARNING: pin numpy<2 to avoid a version mismatch with torch", "config hash: 3f2a (cached)"],
    )]);
}

#[test]
fn a_repo_without_a_file_the_gguf_runner_can_use() {
    check(&[(
        "not_found",
        &[
            // LM Studio's REST answer, whole and as its message alone.
            "{\n  \"error\": {\n    \"type\": \"model_not_found\",\n    \"message\": \"No compatible download options found for hugging face URL https://huggingface.co/org/m\"\n  }\n}",
            "Error: No compatible download options found for hugging face URL https://huggingface.co/org/m",
            // llama.cpp's `-hf`, before and after it named the missing quant.
            "E common_download_get_hf_plan: no GGUF files found in repository org/m",
            "E common_download_get_hf_plan: no file matching quant 'Q4_K_M' found in repository org/m-GGUF",
        ],
    )]);
}

/// Batch ba: the failure as container, cluster, CI and server logs decorate it (a compose service
/// prefix, a Ray actor prefix, journald, a JSON log line with the message escaped, a vLLM or
/// logger level prefix, a rank prefix, an Actions timestamp) reads as the bare line does.
#[test]
fn a_failure_inside_a_container_cluster_or_ci_decoration() {
    check(&[
        (
            "cache_unwritable",
            &[
                "app-1  | PermissionError: [Errno 13] Permission denied: '/root/.cache/huggingface/hub'",
                "2025-03-01T12:00:00.1234567Z PermissionError: [Errno 13] Permission denied: '/home/runner/.cache/huggingface/hub/models--org--m'",
                "(ServeReplica:app:LLMDeployment pid=4242, ip=10.0.0.7) PermissionError: [Errno 13] Permission denied: '/home/ray/.cache/huggingface'",
                "Mar 01 12:00:00 host whisper[4186]: OSError: [Errno 30] Read-only file system: '/var/lib/private/whisper/.cache/huggingface'",
                "{\"level\":\"error\",\"ts\":\"2025-03-01T12:00:00Z\",\"msg\":\"OSError: [Errno 30] Read-only file system: '/.cache/huggingface/hub'\"}",
                "{\"timestamp\":\"2025-03-01T12:00:00.000000Z\",\"level\":\"ERROR\",\"message\":\"Download encountered an error: \\nTraceback (most recent call last):\\n\\nPermissionError: [Errno 13] Permission denied: '/data/models--org--m'\\n\",\"target\":\"text_generation_launcher\"}",
                "[default0]:PermissionError: [Errno 13] Permission denied: '/home/user/.cache/huggingface/hub'",
                "ERROR 03-01 12:00:00 [engine.py:400] PermissionError: [Errno 13] Permission denied: '/root/.cache/huggingface/hub'",
            ],
        ),
        (
            "rate_limited",
            &[
                "(APIServer pid=1) ERROR 03-01 12:00:00 [core.py:700] huggingface_hub.errors.HfHubHTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/api/models/org/m/revision/main",
                "app-1  | huggingface_hub.errors.HfHubHTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/api/models/org/m",
                "2025-03-01T12:00:00.1234567Z ##[error]requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/org/m/resolve/main/config.json",
                "[2025-03-01 12:00:00] CRITICAL [train.util:158, rank=3] Uncaught HfHubHTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/api/datasets/org/d/paths-info/abc",
                "{\"level\":\"error\",\"msg\":\"429 Client Error: Too Many Requests for url: https://huggingface.co/api/models/org/m\"}",
            ],
        ),
        (
            "not_found",
            &[
                "2025-03-01 12:00:00.123 | ERROR    | app.download:fetch:42 - 401 Client Error. (Request ID: Root=1-abc) Repository Not Found for url: https://huggingface.co/api/models/org/missing/revision/main.",
                "app-1  | huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. (Request ID: Root=1-abc)",
                "[rank0]: huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. (Request ID: Root=1-abc)",
            ],
        ),
        (
            "network_blocked",
            &[
                "app-1  | requests.exceptions.SSLError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /org/m/resolve/main/config.json (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)')))",
                "(pid=812) requests.exceptions.SSLError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /api/models/org/m (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1007)')))",
                "{\"level\":\"error\",\"msg\":\"HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /org/m/resolve/main/config.json (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1007)')))\"}",
                "app-1  | OSError: We couldn't connect to 'https://huggingface.co' to load this file, couldn't find it in the cached files and it looks like org/m is not the path to a directory containing a file named config.json.",
            ],
        ),
        (
            "disk_full",
            &[
                "[rank1]: OSError: [Errno 28] No space left on device",
                "app-1  | OSError: [Errno 28] No space left on device: '/root/.cache/huggingface/hub/models--org--m/blobs/abc.incomplete'",
                "{\"level\":\"error\",\"msg\":\"OSError: [Errno 28] No space left on device\"}",
            ],
        ),
    ]);
}

/// Node (libuv), Go, Java and .NET clients name an OS condition by its symbol or their own
/// words, not by a number: `connect ETIMEDOUT`, `code: 'ECONNRESET'`, `getaddrinfo EAI_AGAIN`,
/// `ENOSPC: no space left on device`, Go's `server misbehaving`, .NET's "remote name could not
/// be resolved", Java's `Server returned HTTP response code: 429`; fish says "Unknown command".
#[test]
fn other_runtimes_name_the_condition_by_symbol_or_in_their_own_words() {
    check(&[
        (
            "network_blocked",
            &[
                "Error: connect ETIMEDOUT 18.164.174.23:443\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {\n  errno: -110,\n  code: 'ETIMEDOUT',\n  syscall: 'connect'\n}",
                "Error: getaddrinfo EAI_AGAIN huggingface.co",
                "FetchError: request to https://huggingface.co/api/models/org/m failed, reason: connect ECONNREFUSED 127.0.0.1:7890",
                "Get \"https://huggingface.co/api/models/org/m\": dial tcp: lookup huggingface.co on 127.0.0.53:53: server misbehaving",
                "Invoke-WebRequest : The remote name could not be resolved: 'huggingface.co'",
            ],
        ),
        (
            "rate_limited",
            &["java.io.IOException: Server returned HTTP response code: 429 for URL: https://huggingface.co/org/m/resolve/main/config.json"],
        ),
        (
            "disk_full",
            &[
                "Error: ENOSPC: no space left on device, write\n    at Object.writeSync (node:fs:936:3) {\n  errno: -28,\n  syscall: 'write',\n  code: 'ENOSPC'\n}",
                "[Error: ENOSPC: no space left on device, write] { errno: -28, code: 'ENOSPC', syscall: 'write' }",
            ],
        ),
        (
            "stalled",
            &["aiohttp.client_exceptions.ClientPayloadError: Response payload is not completed: <ContentLengthError: 400, message='Not enough data for satisfy content length header.'>"],
        ),
        ("tool_missing", &["fish: Unknown command: hf", "fish: Unknown command: huggingface-cli"]),
    ]);
}

/// An answer or a failure that names only another public service (GitHub's API, PyPI, PyTorch's
/// wheel index, a container registry) is that service's, never the Hub's: no cause of a download.
#[test]
fn another_services_failure_is_not_the_hubs() {
    let foreign = [
        "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://api.github.com/repos/org/x/releases/latest",
        "urllib.error.URLError: <urlopen error [Errno -3] Temporary failure in name resolution> while fetching https://download.pytorch.org/whl/cu121",
        "fatal: unable to access 'https://github.com/org/repo.git/': Could not resolve host: github.com",
        "requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://api.github.com/repos/org/x",
        // A local model server's API routes are shaped like `owner/name` but are no repo.
        "Error: Post \"http://127.0.0.1:11434/api/chat\": read tcp 127.0.0.1:49192->127.0.0.1:11434: wsarecv: An existing connection was forcibly closed by the remote host.",
        "Error: Post \"http://localhost:11434/api/generate\": dial tcp [::1]:11434: connect: connection refused",
        "httpx.ConnectError: [Errno 111] Connection refused for url 'http://localhost:8000/v1/chat'",
    ];
    for v in foreign {
        let d = explain(v);
        assert!(
            matches!(d.cause.id(), "unknown" | "other"),
            "{v:?} read as {} ({})",
            d.cause.id(),
            d.rule.unwrap_or_default()
        );
    }
    // The same answers from the Hub still count.
    check(&[
        ("not_found", &["requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://huggingface.co/org/m/resolve/main/x.bin"]),
        ("network_blocked", &["fatal: unable to access 'https://huggingface.co/org/repo/': Could not resolve host: huggingface.co"]),
    ]);
}

/// A refused upload, repo change, push or inference call is not a download, however a layer
/// prints it: never "gated, accept its licence" or "not found", which would send the user (and
/// the policy) after a download fix. The same statuses for reads stay download causes.
#[test]
fn a_refused_write_or_inference_call_is_not_a_download() {
    check(&[
        (
            "not_a_download",
            &[
                "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://huggingface.co/api/repos/create",
                "huggingface_hub.errors.HfHubHTTPError: 403 Forbidden: None.\nCannot access content at: https://huggingface.co/api/models/acme/demo/preupload/main.\nMake sure your token has the correct permissions.",
                "httpx.HTTPStatusError: Client error '403 Forbidden' for url 'https://huggingface.co/api/datasets/acme/data/commit/main'",
                "huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/spaces/acme/app/settings",
                // Managing a Space (hardware, restart, secrets, duplicate) is a write too.
                "httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'https://huggingface.co/api/spaces/acme/app/hardware'",
                "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://huggingface.co/api/spaces/acme/app/restart?factory=true",
                "huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/spaces/acme/app/secrets",
                "huggingface_hub.errors.RepositoryNotFoundError: 401 Client Error. (Request ID: Root=1-6)\n\nRepository Not Found for url: https://huggingface.co/api/models/acme/demo/preupload/main.\nPlease make sure you specified the correct `repo_id` and `repo_type`.\nIf you are trying to access a private or gated repo, make sure you are authenticated. Invalid username or password.",
                "\u{1b}[31mHfHubHTTPError\u{1b}[0m: 403 Forbidden for url: https://huggingface.co/api/models/acme/demo/xet-write-token/main",
                "2026-12-03T10:00:00.0000000Z requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://hf-hub-lfs-us-east-1.s3-accelerate.amazonaws.com/repos/d6/a0/d6a0/b535?X-Amz-Expires=86400&x-id=PutObject",
                "HfHubHTTPError: 403 Client Error: Forbidden for url: https://huggingface.co/api/models/acme/demo/commit/main (Request ID: Root=1-65)\n\nForbidden: pass `create_pr=1` as a query parameter to create a Pull Request",
                "remote: You are not authorized to push to this repo.",
                "HTTPError: 403 Client Error: Forbidden for url: https://huggingface.co/api/repos/create - You don't have the rights to create a model under the namespace \"acme\"",
                "[rank0]: RuntimeError: Error while uploading 'model-00001-of-00002.safetensors' to the Hub.",
                "huggingface_hub.errors.HfHubHTTPError: 403 Client Error: Forbidden for url: https://router.huggingface.co/v1/chat/completions",
                "403 Forbidden: This authentication method does not have sufficient permissions to call Inference Providers on behalf of user someone.",
            ],
        ),
        // Reads with the same statuses and words stay download causes.
        (
            "auth_required",
            &["requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://huggingface.co/meta-llama/Llama-3.1-8B/resolve/main/config.json"],
        ),
        (
            "not_found",
            &["requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://huggingface.co/api/models/acme/demo/revision/main"],
        ),
        // A 401 from the inference router refuses a call that is no download, as a 403 does.
        (
            "not_a_download",
            &["401 Client Error: Unauthorized for url: https://router.huggingface.co/hf-inference/models/acme/demo/v1/chat/completions\n\nInvalid username or password."],
        ),
    ]);
    // Another service's `repos/create` is not the Hub's write.
    let d = explain(
        "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://api.github.com/repos/create",
    );
    assert_ne!(d.cause.id(), "not_a_download", "{:?}", d.rule);
}

/// Batch cg: the kernel's inotify watch limit is reported as ENOSPC / Errno 28 by every file
/// watcher; it is a resource limit, not a full disk. A real full disk beside a watcher's words
/// elsewhere in the log still reads as the disk.
#[test]
fn a_file_watcher_out_of_inotify_watches_is_not_the_disk() {
    check(&[
        (
            "resource_exhausted",
            &[
                // Python's watchdog, bare and under a rank prefix.
                "OSError: [Errno 28] inotify watch limit reached",
                "[rank0]: OSError: [Errno 28] inotify watch limit reached",
                "OSError: [Errno 24] inotify instance limit reached",
                // A bare ENOSPC just below watchdog's frames.
                "  File \"/opt/venv/lib/python3.11/site-packages/watchdog/observers/inotify_buffer.py\", line 30, in __init__\n    self._inotify = InotifyBuffer(path, recursive=recursive)\nOSError: [Errno 28] No space left on device",
                // Node's fs.watch / chokidar (libuv names the errno by symbol).
                "Error: ENOSPC: System limit for number of file watchers reached, watch '/home/u/app/src'",
                "Watchpack Error (watcher): Error: ENOSPC: System limit for number of file watchers reached, watch '/app/node_modules'",
                // inotify-tools, Rust's notify, .NET's FileSystemWatcher.
                "Failed to watch /srv/models; upper limit on inotify watches reached!",
                "Error: OS file watch limit reached. about [\"/home/u/project\"]",
                "System.IO.IOException: The configured user limit (128) on the number of inotify instances has been reached, or the per-process limit on the number of open file descriptors has been reached.",
            ],
        ),
        (
            "disk_full",
            &[
                "OSError: [Errno 28] No space left on device: '/root/.cache/huggingface/hub/models--org--m/blobs/abc.incomplete'",
                "Error: ENOSPC: no space left on device, write",
                "[error] Exception :  Error: ENOSPC: no space left on device, write",
            ],
        ),
    ]);
}

/// Batch cg: an LFS server that refuses a repository's objects because its owner's LFS storage or
/// bandwidth allowance is spent is not a stalled transfer (a re-run gets the same answer), and it
/// is not the Hub: git-lfs's `smudge filter lfs failed` below it names no download cause. A
/// smudge failure without such an answer still reads as the stall it is.
#[test]
fn an_lfs_host_out_of_quota_is_not_a_stalled_transfer() {
    for text in [
        "Downloading weights/big.bin (3.1 GB)\nError downloading object: weights/big.bin (9f0e1d2): Smudge error: Error downloading weights/big.bin (9f0e1d2c3b4a): batch response: This repository is over its data quota. Account responsible for LFS bandwidth should purchase more data packs to restore access.\n\nErrors logged to /tmp/r/.git/lfs/logs/20240101T000000.log\nUse `git lfs logs last` to view the log.\nerror: external filter 'git-lfs filter-process' failed\nfatal: weights/big.bin: smudge filter lfs failed\nwarning: Clone succeeded, but checkout failed.",
        "Error downloading object: loras/a.safetensors (fc4f334): Smudge error: Error downloading loras/a.safetensors (fc4f334db618): batch response: This repository exceeded its LFS budget. The account responsible for the budget should increase it to restore access.\nerror: external filter 'git-lfs filter-process' failed\nfatal: loras/a.safetensors: smudge filter lfs failed",
        "Git LFS: (0 of 1 files) 0 B / 142.18 MB\nbatch response: This repository is over its data quota. Purchase more data packs to restore access.",
    ] {
        let d = explain(text);
        assert_eq!(d.cause.id(), "unknown", "{text}: {:?} {:?}", d.rule, d.evidence);
    }
    check(&[(
        "stalled",
        &["Error downloading object: model.safetensors (a1b2c3d): Smudge error: Error downloading model.safetensors (a1b2c3d4e5f6): unexpected EOF\nerror: external filter 'git-lfs filter-process' failed\nfatal: model.safetensors: smudge filter lfs failed"],
    )]);
}

/// Batch cg: py-filelock's "Deadlock … already held by a different FileLock instance" (a lock whose
/// earlier release failed, as on a network mount) is a stuck lock in every decoration.
#[test]
fn a_lock_this_process_cannot_take_again_is_stuck() {
    check(&[(
        "lock_stuck",
        &[
            "RuntimeError: Deadlock: lock '/nfs/hf/hub/.locks/models--org--m/0a1b2c.lock' is already held by a different FileLock instance in this thread. Use is_singleton=True to enable reentrant locking across instances.",
            "[rank1]: RuntimeError: Deadlock: lock '/lustre/cache/datasets/_lustre_cache_datasets_org___d_default_0.0.0_abc.lock' is already held by a different FileLock instance in this thread.",
            "  File \"/opt/venv/lib/python3.12/site-packages/filelock/_api.py\", line 380, in acquire\n    raise RuntimeError(msg)\nRuntimeError: Deadlock: lock 'C:\\\\Users\\\\me\\\\.cache\\\\huggingface\\\\hub\\\\.locks\\\\models--org--m\\\\abc.lock' is already held by a different FileLock instance in this thread.",
        ],
    )]);
}

/// libcurl's operation timeout (CURLE_OPERATION_TIMEDOUT, 28) as the curl CLI and the apps that
/// link libcurl print it (the library's `curl_easy_strerror` text after the app's own prefix):
/// the transfer stopped, as for curl's `(28)`. GLib prints the same words about a D-Bus call,
/// which is no download.
#[test]
fn a_libcurl_timeout_in_an_apps_own_words_is_a_stall() {
    check(&[(
        "stalled",
        &[
            "CURL error: Timeout was reached",
            "[FLM]  Downloading: 12.5% (512.0MB / 4096.0MB)CURL error: Timeout was reached",
            "curl_easy_perform() failed: Timeout was reached",
            "E common_download_file_single_online: curl_easy_perform() failed: Timeout was reached",
            "libcurl error 28: Timeout was reached",
            "curl: (28) Operation timed out after 300000 milliseconds with 1048576 out of 4294967296 bytes received",
        ],
    )]);
    for v in [
        "Error: GDBus.Error:org.freedesktop.DBus.Error.NoReply: Timeout was reached",
        "(gnome-shell:1234): GLib-GIO-WARNING **: Timeout was reached",
    ] {
        let d = explain(v);
        assert_ne!(d.cause.id(), "stalled", "{v:?} read as stalled ({})", d.rule.unwrap_or_default());
    }
}

/// An OS error number strerror could not name (`Unknown error 524`, Linux's ENOTSUPP from a
/// lock on Lustre or NFS) is not Cloudflare's HTTP 524.
#[test]
fn an_unnamed_os_error_number_is_no_http_status() {
    for v in ["OSError: [Errno 524] Unknown error 524: '/lustre/hf/.locks/x.lock'", "Unknown error 503"] {
        let d = explain(v);
        assert_ne!(d.cause.id(), "server_error", "{v:?}: {:?}", d.rule);
    }
    check(&[("server_error", &["Error 524: A timeout occurred (cloudflare)"])]);
}

/// Go clients' own spellings of facts the catalogue reads elsewhere: a resolver that never
/// answered (`lookup … i/o timeout`, with or without the resolver's address) is DNS, not a
/// stalled dial; a status before a JSON error body (`500: {"errors":…}`) is that status. And
/// huggingface_hub refusing a Xet-only file without a fast backend is a missing tool.
#[test]
fn go_clients_resolver_timeouts_and_json_statuses_and_a_required_backend() {
    check(&[
        (
            "network_blocked",
            &[
                "Get \"https://huggingface.co/org/m/resolve/main/model.gguf\": dial tcp: lookup huggingface.co: i/o timeout",
                "Error: pull model manifest: Get \"https://hf.co/v2/org/m/manifests/latest\": dial tcp: lookup hf.co on 127.0.0.11:53: read udp 172.17.0.2:40211->127.0.0.11:53: i/o timeout",
                "time=2026-01-02T03:04:05Z level=ERROR msg=\"download failed\" err=\"lookup cdn-lfs.hf.co on [fd00::1]:53: i/o timeout\"",
            ],
        ),
        (
            "server_error",
            &[
                "Error: pull model manifest: 500: {\"errors\":[{\"code\":\"INTERNAL_ERROR\",\"message\":\"internal error\"}]}",
                "Error: pull model manifest: 503: {\"error\":\"service unavailable\"}",
            ],
        ),
        (
            "tool_missing",
            &[
                "ValueError: The file is too large to be downloaded using the regular download method. Use `hf_transfer` or `hf_xet` instead.",
                "[rank0]: ValueError: The file is too large to be downloaded using the regular download method. Use hf_transfer or hf_xet instead.",
            ],
        ),
    ]);
    // A dial that timed out after the name resolved stays a connection failure, and a JSON body
    // with no status before it states none.
    check(&[("network_blocked", &["dial tcp 18.164.174.23:443: i/o timeout"])]);
    let d = explain("{\"error\": \"bad input\", \"count\": 500}");
    assert_eq!(d.cause.id(), "unknown", "{:?}", d.rule);
}

/// Batch cl: a model file that is no protobuf, as ONNX Runtime's bindings and the onnx package
/// print it, is the git-lfs pointer a clone without git-lfs leaves (as safetensors' HeaderTooLarge
/// is); an archive cut short, in each decompressor's words, is a partial download; and
/// huggingface_hub's refusal to use a missing hf_transfer, quoted without its ValueError prefix,
/// is still a missing tool. UnicodeDecodeError's "unexpected end of data" is no archive.
#[test]
fn onnx_files_cut_archives_and_a_quoted_hf_transfer_refusal() {
    check(&[
        (
            "tool_missing",
            &[
                "Cloning into 'm'...\nOrtException: Load model from m/cuda/cuda-fp16/model.onnx failed:Protobuf parsing failed.",
                "ValueError: Fast download using 'hf_transfer' is enabled (HF_HUB_ENABLE_HF_TRANSFER=1) but 'hf_transfer' package is not available in your environment. Try `pip install hf_transfer`.",
                "ERROR    Download failed: 'hf_transfer' package is not available in your environment",
            ],
        ),
        (
            "corrupt_partial",
            &[
                // A model file that is no protobuf: cut short, an error page, or a pointer.
                "onnxruntime.capi.onnxruntime_pybind11_state.InvalidProtobuf: [ONNXRuntimeError] : 7 : INVALID_PROTOBUF : Load model from C:\\\\models\\\\org\\\\m\\\\model.onnx failed:Protobuf parsing failed.",
                "OrtException: Load model from m/cuda/cuda-fp16/model.onnx failed:Protobuf parsing failed.",
                "Unhandled exception. Microsoft.ML.OnnxRuntime.OnnxRuntimeException: [ErrorCode:InvalidProtobuf] Load model from /app/models/encoder.onnx failed:Protobuf parsing failed.",
                "Caused by: ai.onnxruntime.OrtException: Error code - ORT_INVALID_PROTOBUF - message: Failed to load model because protobuf parsing failed.",
                "google.protobuf.message.DecodeError: Error parsing message with type 'onnx.ModelProto'",
                "EOFError: Compressed file ended before the end-of-stream marker was reached",
                "  File \"/usr/lib/python3.10/gzip.py\", line 506, in read\n    raise EOFError(\"Compressed file ended before the \"\nEOFError: Compressed file ended before the end-of-stream marker was reached",
                "  File \"C:\\\\Python37\\\\lib\\\\_compression.py\", line 99, in read\n    raise EOFError(\"Compressed file ended before the \"\nEOFError: Compressed file ended before the end-of-stream marker was reached",
                "tarfile.ReadError: unexpected end of data",
                "gzip: stdin: unexpected end of file\ntar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now",
            ],
        ),
    ]);
    let v = "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe4 in position 4095: unexpected end of data";
    let d = explain(v);
    assert_ne!(d.cause.id(), "corrupt_partial", "{v:?} read as corrupt_partial ({})", d.rule.unwrap_or_default());
}

#[test]
fn a_local_folder_without_the_files_is_no_hub_lookup() {
    let local = [
        "OSError: Error no file named pytorch_model.bin, model.safetensors, tf_model.h5, model.ckpt.index or flax_model.msgpack found in directory /data/models/Llama-3-8B.",
        "[rank0]: OSError: Error no file named model.safetensors found in directory /data/models/Llama-3-8B.",
        "OSError: Error no file named diffusion_pytorch_model.safetensors found in directory D:\\models\\sdxl\\unet.",
        "2026-01-02T03:04:05.1234567Z OSError: Error no file named config.json found in directory ./checkpoints/run1.",
        "OSError: Error no file named ['pytorch_model.bin', 'tf_model.h5'] found in directory bert-local or `from_tf` and `from_flax` set to False.",
    ];
    check(&[("not_found", &local)]);
    for v in local {
        let d = explain(v);
        assert_eq!(d.rule.as_deref(), Some("local-folder-missing-file"), "{v:?}");
    }
    // The folder is named in the fix, without the sentence around it.
    let d = explain(local[4]);
    assert!(d.fix.starts_with("bert-local is a folder on this machine"), "{}", d.fix);
    // A file the Hub does not have is still the Hub's 404, with its own fix.
    let d = explain("huggingface_hub.errors.EntryNotFoundError: 404 Client Error.\n\nEntry Not Found for url: https://huggingface.co/org/m/resolve/main/model.safetensors.");
    assert_eq!(d.rule.as_deref(), Some("entry-not-found"));
}

/// Batches cn, co, cq, cr (rules from their train rows): out of memory by number (ENOMEM 12,
/// Windows 8, 14 and 1455 "the paging file is too small") in any language and layer; a filesystem
/// that cannot link (EOPNOTSUPP 95, Windows 50, WinError 1 on a `from -> to` pair); a
/// huggingface_hub too old for an argument; Ollama's missing manifest; llama.cpp's short file.
#[test]
fn memory_links_old_arguments_and_short_files_in_other_layers() {
    check(&[
        (
            "resource_exhausted",
            &[
                "OSError: 页面文件太小，无法完成操作。 (os error 1455)",
                "OSError: [WinError 1455] Die Auslagerungsdatei ist zu klein, um diesen Vorgang durchzuführen",
                "Error: IoError(Os { code: 12, kind: OutOfMemory, message: \"Cannot allocate memory\" })",
                "OSError: [Errno 12] Cannot allocate memory: '/root/.cache/huggingface/hub/models--org--m/blobs/abc'",
                "[WinError 8] 存储空间不足，无法处理此命令。",
                "safetensors_rust.SafetensorError: Error while mmapping: The paging file is too small for this operation to complete. (os error 1455)",
            ],
        ),
        (
            "cache_unwritable",
            &[
                "OSError: [Errno 95] Operation not supported: '../../blobs/9f1e' -> '/mnt/smb/hf/hub/models--org--m/snapshots/0a1b/config.json'",
                "OSError: [WinError 1] 函数不正确。: 'C:\\\\Users\\\\u\\\\.cache\\\\huggingface\\\\hub\\\\abc' -> 'Z:\\\\models\\\\config.json'",
                "OSError: [WinError 1] Incorrect function: '\\\\\\\\nas\\\\share\\\\hub\\\\blobs\\\\abc' -> 'models\\\\m\\\\tokenizer.json'",
            ],
        ),
        (
            "tool_missing",
            &[
                "TypeError: snapshot_download() got an unexpected keyword argument 'local_dir'",
                "TypeError: hf_hub_download() got an unexpected keyword argument 'token'",
            ],
        ),
        ("not_found", &["Error: pull model manifest: file does not exist", "time=2025-01-01T00:00:00 level=ERROR msg=\"pull model manifest: file does not exist\""]),
        (
            "corrupt_partial",
            &[
                "llama_model_load: error loading model: unexpectedly reached end of file",
                "error loading model: unexpectedly reached end of file\nllama_load_model_from_file: failed to load model",
            ],
        ),
    ]);
    // A console's WinError 1 and an argument the library removed say nothing of the cache or an old library.
    for v in [
        "OSError: [WinError 1] Incorrect function",
        "TypeError: hf_hub_download() got an unexpected keyword argument 'use_auth_token'",
        "OSError: [Errno 12] Cannot allocate memory",
    ] {
        let d = explain(v);
        let want_oom = v.contains("Errno 12");
        assert_eq!(d.cause.id() == "resource_exhausted", want_oom, "{v:?}: {} ({:?})", d.cause.id(), d.rule);
        if !want_oom {
            assert!(!matches!(d.cause.id(), "cache_unwritable" | "tool_missing"), "{v:?}: {}", d.cause.id());
        }
    }
}

/// Rules written from held-out rows of batches co and cr (moved to train): a child the kernel's
/// OOM killer ended, as shells and containers report it; a name too long for the filesystem
/// (ENAMETOOLONG by number in any language); TGI's launcher losing a shard to SIGBUS (/dev/shm).
#[test]
fn killed_processes_long_names_and_bus_errors_in_other_layers() {
    check(&[
        (
            "resource_exhausted",
            &[
                "Loading checkpoint shards:  0%|          | 0/3 [00:00<?, ?it/s][1]    26478 killed     python web_demo.py",
                "Downloading shards:  50%|█████     | 1/2 [00:41<00:41, 41.2s/it]Killed",
                "./run.sh: line 4: 31337 Killed                  python train.py",
                "[ 1234.5678] Out of memory: Killed process 4242 (python3) total-vm:123456kB, anon-rss:654321kB",
                "app-1 exited with code 137",
                "Error: Shard 0 failed to start: Shard process was signaled to shutdown with signal 7",
            ],
        ),
        (
            "cache_unwritable",
            &[
                "OSError: [WinError 206] 文件名或扩展名太长。: 'D:\\\\ComfyUI\\\\custom_nodes\\\\x\\\\cache\\\\models--org--m\\\\blobs\\\\abc.incomplete'",
                "OSError: [Errno 36] File name too long: '/home/u/.cache/huggingface/hub/models--org--m/snapshots/abc/very-long-name.safetensors'",
                "OSError: [Errno 63] File name too long: '/Users/u/.cache/huggingface/hub/models--org--m'",
                "Error: IoError(Os { code: 36, kind: InvalidFilename, message: \"File name too long\" })",
            ],
        ),
    ]);
    // `Killed` inside a sentence, a pod's status word, is no SIGKILL report.
    for v in ["The job was Killed by the scheduler because it was preempted, retrying", "error: exit code 1"] {
        assert_ne!(explain(v).cause.id(), "resource_exhausted", "{v:?}");
    }
}

/// Batch cp (rules from its train rows): a certificate for another name (a poisoned DNS answer or
/// a redirecting proxy) as each TLS stack prints it; a llama.cpp build that cannot download.
#[test]
fn a_certificate_for_another_name_and_a_build_that_cannot_download() {
    check(&[
        (
            "network_blocked",
            &[
                "Error: max retries exceeded: Get \"https://huggingface.co/v2/org/m/manifests/latest\": tls: failed to verify certificate: x509: certificate is valid for *.facebook.com, *.fbcdn.net, not huggingface.co",
                "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'huggingface.co'. (_ssl.c:1006)",
                "ssl.CertificateError: hostname 'huggingface.co' doesn't match 'proxy.corp.example'",
                "curl: (60) SSL: no alternative certificate subject name matches target host name 'huggingface.co'",
                "Error: request error: error sending request for url (https://huggingface.co/api/models/org/m): invalid peer certificate: NotValidForName",
                "Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: huggingface.co. is not in the cert's altnames: DNS:*.example.net",
            ],
        ),
        (
            "tool_missing",
            &[
                "common_get_hf_file: llama.cpp built without libcurl, downloading from Hugging Face not supported.",
                "HTTPS is not supported. Please rebuild with one of:\n  -DLLAMA_BUILD_BORINGSSL=ON",
            ],
        ),
    ]);
}

/// Batches cs, ct, cu, cv (rules from their train rows): a Space's host is Hugging Face's; httpx's
/// status words even when a paste cuts them; the Hub's token wording in any case; a body cut as
/// Go, hyper and huggingface_hub's file GET report it; `Killed` drawn over a progress bar.
#[test]
fn spaces_httpx_statuses_cut_bodies_and_kills_over_bars() {
    check(&[
        (
            "network_blocked",
            &[
                "urllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='acme-app.hf.space', port=443): Max retries exceeded with url: /config (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to resolve 'acme-app.hf.space' ([Errno -3] Temporary failure in name resolution)\"))",
                "httpx.ConnectError: [Errno 111] Connection refused (while connecting to https://acme-app.hf.space/config)",
            ],
        ),
        (
            "server_error",
            &[
                "RuntimeError: HfHubHTTPError: Server error '503 Servi",
                "huggingface_hub.errors.HfHubHTTPError: Server error '502 Bad Gateway' for url 'https://huggingface.co/api/models/org/m'",
            ],
        ),
        (
            "token_invalid",
            &["Server execution error 401: Invalid credentials in authorization header."],
        ),
        (
            "stalled",
            &[
                "time=2025-03-30T16:24:47.059+03:00 level=INFO source=download.go:294 msg=\"37fa17d565db part 12 attempt 4 failed: EOF, retrying in 16s\"",
                "{\"level\":\"WARN\",\"fields\":{\"message\":\"Reqwest(reqwest::Error { kind: Request, source: hyper_util::client::legacy::Error(SendRequest, hyper::Error(IncompleteMessage)) }). Retrying...\"}}",
                " 11%|█▏        | 922/8192 [12:52:49<76:09:46, 37.71s/it]'(ProtocolError('Connection aborted.', RemoteDisconnected('Remote end closed connection without response')), '(Request ID: 36a7)')' thrown while requesting GET https://huggingface.co/datasets/org/d/resolve/2d0a/train/a.jsonl.zst",
                "'(ProtocolError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer')), '(Request ID: 1)')' thrown while requesting GET https://huggingface.co/org/m/resolve/main/model-00002-of-00004.safetensors",
            ],
        ),
        ("resource_exhausted", &["Killedng 9 files:   0%|          | 0/9 [00:00<?, ?it/s]"]),
    ]);
    // The same reset on the first request (a HEAD, an API call) is the network, not a cut transfer.
    for v in [
        "'(ProtocolError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer')), '(Request ID: 1)')' thrown while requesting HEAD https://huggingface.co/org/m/resolve/main/config.json",
        "'(ProtocolError('Connection aborted.', RemoteDisconnected('Remote end closed connection without response')), '(Request ID: 2)')' thrown while requesting GET https://huggingface.co/api/models/org/m/revision/main",
    ] {
        assert_eq!(explain(v).cause.id(), "network_blocked", "{v:?}");
    }
    // Go's `Error: EOF` alone is a parser's as often as a transfer's.
    assert_ne!(explain("Error: EOF").cause.id(), "stalled");
}

/// Batch cy (rules from its train rows): datasets' free-space check before it knows the size;
/// torch's CPU allocator in its Windows wording.
#[test]
fn a_disk_check_without_a_size_and_the_windows_allocator() {
    check(&[
        ("disk_full", &["OSError: Not enough disk space. Needed: Unknown size (download: Unknown size, generated: Unknown size, post-processed: Unknown size)"]),
        (
            "resource_exhausted",
            &["RuntimeError: [enforce fail at ..\\c10\\core\\impl\\alloc_cpu.cpp:72] data. DefaultCPUAllocator: not enough memory: you tried to allocate 52428800 bytes."],
        ),
    ]);
}

/// Written from the catalogue's own probes of TLS and socket layers, not from a batch (cz010, a
/// held-out row with the bad record MAC, became right and moved to train): a TLS record mangled
/// mid-stream, curl's HTTP/2 stream reset and wget's read error part-way are cut transfers;
/// Windows refusing a socket (10013, any language) and wget's failed handshake are the network.
#[test]
fn tls_records_stream_resets_and_forbidden_sockets() {
    check(&[
        (
            "stalled",
            &[
                "ssl.SSLError: [SSL: DECRYPTION_FAILED_OR_BAD_RECORD_MAC] decryption failed or bad record mac (_ssl.c:2580)",
                "requests.exceptions.SSLError: HTTPSConnectionPool(host='cdn-lfs.huggingface.co', port=443): Max retries exceeded (Caused by SSLError(SSLError(1, '[SSL: DECRYPTION_FAILED_OR_BAD_RECORD_MAC] decryption failed or bad record mac (_ssl.c:2633)')))",
                "curl: (92) HTTP/2 stream 1 was not closed cleanly: INTERNAL_ERROR (err 2)",
                "2024-01-01 12:00:00 (1.2 MB/s) - Read error at byte 1048576/4939212390 (Connection reset by peer). Retrying.",
            ],
        ),
        (
            "network_blocked",
            &[
                "OSError: [WinError 10013] An attempt was made to access a socket in a way forbidden by its access permissions",
                "urllib3.exceptions.NewConnectionError: <urllib3.connection.HTTPSConnection object at 0x0>: Failed to establish a new connection: [WinError 10013] 以一种访问权限不允许的方式做了一个访问套接字的尝试。",
                "Connecting to huggingface.co (huggingface.co)|18.1.2.3|:443... connected.\nUnable to establish SSL connection.",
                "httpx.RemoteProtocolError: Server disconnected without sending a response.",
            ],
        ),
    ]);
}

/// An app's own sentence that the token is bad, as it starts a line or follows `Error:`; another
/// kind of token (an OAuth refresh token) is not the Hub's.
#[test]
fn a_sentence_saying_the_token_is_invalid() {
    check(&[(
        "token_invalid",
        &[
            "Error: Token is invalid. Please run `hf auth login` again.",
            "The token is invalid or expired, please log in again",
        ],
    )]);
    assert_ne!(explain("ValueError: the refresh token is invalid for this session").cause.id(), "token_invalid");
}

/// A lock that could not be taken without waiting (EAGAIN on a lock call, any client), and an
/// app saying hf_transfer is not installed. A bare EAGAIN, and hub's notice that it falls back
/// from Xet to HTTP, are neither.
#[test]
fn a_lock_that_would_block_and_a_missing_hf_transfer() {
    check(&[
        (
            "lock_stuck",
            &[
                "Error: failed to acquire lock: Resource temporarily unavailable (os error 11)",
                "filelock: could not acquire: [Errno 11] Resource temporarily unavailable",
                "Error: could not lock /data/hf/hub/.locks/models--org--m/abc.lock: EWOULDBLOCK",
            ],
        ),
        ("tool_missing", &["Error: hf_transfer not installed"]),
    ]);
    for v in [
        "BlockingIOError: [Errno 11] Resource temporarily unavailable",
        "Xet Storage is enabled for this repo, but the 'hf_xet' package is not installed. Falling back to regular HTTP download.",
    ] {
        assert!(!matches!(explain(v).cause.id(), "lock_stuck" | "tool_missing"), "{v:?}");
    }
}

/// Clients outside Python and Rust (written from the catalogue's probes): Apple's URL loading
/// system by NSURLErrorDomain code and sentence, .NET's and Node's TLS handshake that never
/// completed, Node's `socket hang up`, Go's client deadline before the headers (the network) and
/// while reading the body (a cut transfer). A local server's deadline is not the Hub's.
#[test]
fn apple_dotnet_node_and_go_clients() {
    check(&[
        (
            "network_blocked",
            &[
                "Error Domain=NSURLErrorDomain Code=-1009 \"The Internet connection appears to be offline.\" UserInfo={NSErrorFailingURLStringKey=https://huggingface.co/org/m/resolve/main/config.json}",
                "Error Domain=NSURLErrorDomain Code=-1003 \"A server with the specified hostname could not be found.\"",
                "Error Domain=NSURLErrorDomain Code=-1200 \"An SSL error has occurred and a secure connection to the server cannot be made.\"",
                "System.Net.Http.HttpRequestException: The SSL connection could not be established, see inner exception.",
                "Error: Client network socket disconnected before secure TLS connection was established",
                "Error: socket hang up\n    at connResetException (node:internal/errors:720:14)",
                "Error: pull model manifest: Get \"https://huggingface.co/v2/org/m/manifests/latest\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
            ],
        ),
        (
            "stalled",
            &[
                "Error Domain=NSURLErrorDomain Code=-1005 \"The network connection was lost.\"",
                "Error: max retries exceeded: net/http: request canceled (Client.Timeout or context cancellation while reading body)",
            ],
        ),
    ]);
    let local = "Error: Post \"http://127.0.0.1:11434/api/chat\": net/http: request canceled (Client.Timeout exceeded while awaiting headers)";
    assert_eq!(explain(local).cause.id(), "unknown", "{local}");
}

/// An app's own sentence that a repo is gated names the repo too.
#[test]
fn an_apps_sentence_that_the_repo_is_gated() {
    let d =
        explain("The model org/m is gated. Please request access at https://huggingface.co/org/m and set HF_TOKEN.");
    assert_eq!(
        (d.cause.id(), d.details.get("repo").map(String::as_str)),
        ("auth_required", Some("org/m")),
        "{:?}",
        d.rule
    );
    assert_ne!(explain("The gate org/m is open").cause.id(), "auth_required");
}

#[test]
fn an_os_message_without_its_number_in_the_systems_language() {
    // Go (`connectex:`, `wsarecv:`, `write …:`), PowerShell and Rust's Display print the OS's own
    // message, localised, with no errno or WinError number to read.
    let hub = "Get \"https://huggingface.co/api/models/org/m\": dial tcp 18.164.174.23:443: connectex:";
    let refused = [
        "由于目标计算机积极拒绝，无法连接。",
        "無法連線，因為目標電腦拒絕連線。",
        "対象のコンピューターによって拒否されたため、接続できませんでした。",
        "대상 컴퓨터에서 연결을 거부했으므로 연결하지 못했습니다.",
        "Es konnte keine Verbindung hergestellt werden, da der Zielcomputer die Verbindung verweigerte.",
        "Aucune connexion n’a pu être établie car l’ordinateur cible l’a expressément refusée.",
        "No se puede establecer una conexión ya que el equipo de destino denegó expresamente dicha conexión.",
        "Nenhuma conexão pôde ser feita porque a máquina de destino as recusou ativamente.",
        "Подключение не установлено, т.к. конечный компьютер отверг запрос на подключение.",
        "Impossibile stabilire la connessione. Rifiuto persistente del computer di destinazione.",
        "由于连接方在一段时间后没有正确答复或连接的主机没有反应，连接尝试失败。",
        "接続済みの呼び出し先が一定の時間を過ぎても正しく応答しなかったため、接続できませんでした。",
        "Ein Verbindungsversuch ist fehlgeschlagen, da die Gegenstelle nach einer bestimmten Zeitspanne nicht richtig reagiert hat.",
        "Une tentative de connexion a échoué car le parti connecté n’a pas répondu convenablement au-delà d’une certaine durée.",
        "Попытка установить соединение была безуспешной, т.к. от другого компьютера за требуемое время не получен нужный отклик.",
    ];
    let network: Vec<String> = refused
        .iter()
        .map(|m| format!("{hub} {m}"))
        .chain([
            "Invoke-WebRequest : Der angegebene Host ist unbekannt. https://huggingface.co/org/m/resolve/main/config.json".to_string(),
            "Invoke-WebRequest : 不知道这样的主机。 https://huggingface.co/org/m/resolve/main/config.json".to_string(),
            "Get \"https://huggingface.co/api/models/org/m\": read tcp 10.0.0.2:50000->18.164.174.23:443: wsarecv: 远程主机强迫关闭了一个现有的连接。".to_string(),
            "Get \"https://huggingface.co/api/models/org/m\": read tcp 10.0.0.2:50000->18.164.174.23:443: wsarecv: Eine vorhandene Verbindung wurde vom Remotehost geschlossen.".to_string(),
            "Get \"https://huggingface.co/api/models/org/m\": read tcp 10.0.0.2:50000->18.164.174.23:443: wsarecv: Удаленный хост принудительно разорвал существующее подключение.".to_string(),
        ])
        .collect();
    let network: Vec<&str> = network.iter().map(String::as_str).collect();
    check(&[
        ("network_blocked", &network),
        (
            "disk_full",
            &[
                "write C:\\Users\\me\\.cache\\huggingface\\hub\\models--org--m\\blobs\\abc.incomplete: 磁盘空间不足。",
                "write D:\\models\\m.safetensors: ディスクに十分な空き領域がありません。",
                "write D:\\models\\m.safetensors: Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden.",
                "write D:\\models\\m.safetensors: Espace insuffisant sur le disque.",
                "write D:\\models\\m.safetensors: No hay espacio suficiente en el disco.",
                "write D:\\models\\m.safetensors: Недостаточно места на диске.",
                "write /data/hf/m.safetensors: 超出磁盘限额",
                "write /data/hf/m.safetensors: Превышена дисковая квота",
            ],
        ),
        (
            "cache_unwritable",
            &[
                "open C:\\Users\\me\\.cache\\huggingface\\hub\\models--org--m\\blobs\\abc: アクセスが拒否されました。",
                "open C:\\Users\\me\\.cache\\huggingface\\hub\\models--org--m\\blobs\\abc: 存取被拒。",
                "Error: mkdir /data/hf/hub: Отказано в доступе",
                "Error: mkdir /data/hf/hub: Permission non accordée",
                "open /data/hf/hub/x: 只读文件系统",
                "open /data/hf/hub/x: Das Dateisystem ist nur lesbar",
                "Error: symlink ..\\..\\blobs\\abc C:\\Users\\me\\.cache\\huggingface\\hub\\models--org--m\\snapshots\\x\\config.json: 客户端没有所需的特权。",
            ],
        ),
        ("resource_exhausted", &["open /data/hf/hub/x: Zu viele offene Dateien", "open /data/hf/hub/x: 打开的文件过多"]),
        (
            "lock_stuck",
            &["Error: rename C:\\hf\\blobs\\abc.incomplete C:\\hf\\blobs\\abc: 另一个程序正在使用此文件，进程无法访问。"],
        ),
    ]);
}

#[test]
fn clients_written_in_java_dotnet_rust_and_python_layers_below_requests() {
    check(&[
        (
            "not_found",
            &["java.io.FileNotFoundException: https://huggingface.co/org/missing/resolve/main/tokenizer.json"],
        ),
        (
            "cache_unwritable",
            &[
                "java.nio.file.AccessDeniedException: /root/.djl.ai/cache/repo/model",
                "java.nio.file.ReadOnlyFileSystemException: /models/hub",
            ],
        ),
        (
            "network_blocked",
            &[
                "java.net.UnknownHostException: huggingface.co",
                "Error: ApiError(RequestError(Transport(Transport { kind: Dns, message: None, url: Some(Url { scheme: \"https\", host: Some(Domain(\"huggingface.co\")) }) })))",
                "Error: ApiError(RequestError(Transport(Transport { kind: ConnectionFailed, message: Some(\"Connect error\"), url: None })))",
                "pycurl.error: (6, 'Could not resolve host: huggingface.co')",
                "System.Net.Http.HttpRequestException: No such host is known. (huggingface.co:443)",
            ],
        ),
        (
            "stalled",
            &[
                "java.net.SocketTimeoutException: Read timed out",
                "System.Threading.Tasks.TaskCanceledException: The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.",
                "pycurl.error: (28, 'Operation timed out after 30000 milliseconds with 1048576 out of 4294967296 bytes received')",
                "fsspec.exceptions.FSTimeoutError",
                "http.client.IncompleteRead: IncompleteRead(1048576 bytes read, 4194304 more expected)",
            ],
        ),
        (
            "not_a_download",
            &["huggingface_hub.errors.BadRequestError: (Request ID: Root=1-abc)\n\nBad request for commit endpoint:\nYour push was rejected because it contains files larger than 10 MiB."],
        ),
    ]);
}

#[test]
fn another_apis_client_failing_to_connect_is_not_the_hub() {
    check(&[
        (
            "unknown",
            &[
                "openai.APIConnectionError: Connection error.\nhttpx.ConnectError: [Errno 101] Network is unreachable",
                "httpcore.ConnectError: [Errno 111] Connection refused\nhttpx.ConnectError: [Errno 111] Connection refused\nopenai.APIConnectionError: Connection error.",
                ">发生异常: APIConnectionError\nConnection error.\nOSError: [Errno 101] Network is unreachable",
                "litellm.APIConnectionError: OpenAIException - Connection error.\nhttpx.ConnectError: [Errno -3] Temporary failure in name resolution",
            ],
        ),
        (
            // The Hub's own connection failure in the same log is still the Hub's.
            "network_blocked",
            &["openai.APIConnectionError: Connection error.\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /api/models/org/m (Caused by NewConnectionError('x: Failed to establish a new connection: [Errno 111] Connection refused'))"],
        ),
    ]);
}

#[test]
fn a_status_named_by_its_reason_and_an_apps_own_words() {
    check(&[
        (
            "not_found",
            &[
                "2022-12-23 23:58:48 FEHLER 404: Not Found.",
                "HTTP-Anforderung gesendet, auf Antwort wird gewartet … 404 Not Found",
                "failed to download https://huggingface.co/org/m/resolve/main/x.safetensors: server replied: Not Found",
                "ValueError: Can't find 'adapter_config.json' at 'org/adapter'",
                "Actual:   f36668ddf22403a332f978057d527cf285b01468bc3431b04094a7bafa6aba59",
                // The mismatch line before the digest is that body's, not a cut file's.
                "Hash mismatch for model.safetensors\nExpected: 3f1a\nActual:   f36668ddf22403a332f978057d527cf285b01468bc3431b04094a7bafa6aba59",
                "ERROR: checksum mismatch for x.gguf\n  got ac7fa455a233c063ae3f559494c4932f97e5f6eeed71cd94eb7202bf03865679",
            ],
        ),
        (
            "server_error",
            &[
                "Error transferring https://huggingface.co/org/m/resolve/main/x.safetensors - server replied: Not Implemented",
                "Error transferring https://huggingface.co/org/m/resolve/main/x.safetensors - server replied: Service Unavailable",
            ],
        ),
        (
            "network_blocked",
            &[
                "ERROR Failed to get JSON from https://huggingface.co/api/models/org/m/tree/main: CURL request failed: SSL connect error",
                "failed to download http://huggingface.co/org/m/resolve/main/model.safetensors: Socket operation timed out",
            ],
        ),
        (
            "auth_required",
            &["Could not download 'pyannote/speaker-diarization-3.1' pipeline.\nIt might be because the pipeline is private or gated so make"],
        ),
        ("corrupt_partial", &["Error: Download failed: Checksum failed - You can try to resume the download within LM Studio.", "ValueError: GGUF magic invalid"]),
        ("tool_missing", &["gguf_init_from_file_impl: invalid magic characters: 'vers', expected 'GGUF'"]),
        (
            "stalled",
            &["the download is stuck at 99% and never finishes", "下载到99%就卡住了", "ダウンロードが99%で止まる"],
        ),
        ("not_a_download", &["remote: Your push was rejected because it contains binary files."]),
    ]);
}

#[test]
fn a_name_huggingface_hub_removed_is_a_version_clash_not_a_missing_tool() {
    check(&[
        (
            "unknown",
            &[
                "ImportError: cannot import name 'cached_download' from 'huggingface_hub' (/usr/lib/python3.11/site-packages/huggingface_hub/__init__.py)",
                "ImportError: cannot import name 'HfFolder' from 'huggingface_hub'",
            ],
        ),
        ("tool_missing", &["ImportError: cannot import name 'split_torch_state_dict_into_shards' from 'huggingface_hub'"]),
    ]);
}

#[test]
fn datasets_1x_scripts_on_github_are_part_of_the_download_other_github_files_are_not() {
    check(&[
        (
            "not_found",
            &["FileNotFoundError: Couldn't find file at https://raw.githubusercontent.com/huggingface/datasets/master/datasets/wmt20/wmt20.py"],
        ),
        (
            "unknown",
            &[
                "FileNotFoundError: Couldn't find file at https://raw.githubusercontent.com/acme/tools/main/setup.py",
                "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='www.modelscope.cn', port=443): Read timed out. (read timeout=60)",
                "  File \"/x/requests/adapters.py\", line 713, in send\n    raise ReadTimeout(e, request=request)\nrequests.exceptions.ReadTimeout: HTTPSConnectionPool(host='www.modelscope.cn', port=443): Read timed out. (read timeout=60)",
            ],
        ),
    ]);
}

#[test]
fn a_broken_python_or_an_optional_folder_is_no_download_failure() {
    check(&[(
        "unknown",
        &[
            "requests.exceptions.SSLError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /bert-base-uncased/resolve/main/config.json (Caused by SSLError(\"Can't connect to HTTPS URL because the SSL module is not available.\"))",
            "httpx.HTTPStatusError: Client error '404 Not Found' for url 'https://huggingface.co/api/models/org/m/tree/main/additional_chat_templates?recursive=false&expand=false'",
            "huggingface_hub.errors.RemoteEntryNotFoundError: 404 Client Error. Entry Not Found for url: https://huggingface.co/api/models/org/m/tree/main/additional_chat_templates?recursive=false&expand=false.",
        ],
    )]);
}

#[test]
fn a_programs_scratch_file_in_the_temp_folder_is_not_the_download_location() {
    check(&[
        (
            "unknown",
            &[
                "Failed to transcribe audio, [Errno 13] Permission denied: 'C:\\\\Windows\\\\TEMP\\\\tmp4nurpm3y'",
                "PermissionError: [Errno 13] Permission denied: '/tmp/tmpab12cd34'",
                "PermissionError: [WinError 5] Access is denied: 'C:\\Users\\me\\AppData\\Local\\Temp\\tmpab12cd34'",
            ],
        ),
        (
            "cache_unwritable",
            &[
                "PermissionError: [Errno 13] Permission denied: '/root/.cache/huggingface/hub/tmpab12cd34'",
                "PermissionError: [Errno 13] Permission denied: '/tmp/tmpab12cd34/models--org--m'",
            ],
        ),
    ]);
}

#[test]
fn a_file_a_loading_script_fetches_from_another_host_is_that_hosts() {
    check(&[
        (
            "unknown",
            &["ConnectionError: Couldn't reach https://madm.dfki.de/files/sentinel/EuroSAT.zip (ConnectTimeout(MaxRetryError(\"HTTPSConnectionPool(host='madm.dfki.de', port=443): Max retries exceeded\")))"],
        ),
        (
            "network_blocked",
            &[
                "ConnectionError: Couldn't reach https://huggingface.co/datasets/org/ds/resolve/main/data.json (ConnectTimeout)",
                "ConnectionError: Couldn't reach 'org/ds' on the Hub (LocalEntryNotFoundError)",
            ],
        ),
    ]);
}

#[test]
fn a_wrapped_connection_failure_belongs_to_the_host_on_its_neighbouring_line() {
    check(&[
        (
            "unknown",
            &["HTTPSConnectionPool(host='coqui.gateway.scarf.sh', port=443):\nMax retries exceeded with url:\n  /hf-coqui/XTTS-v2/main/model.pth\n  (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>:\n    Failed to resolve 'coqui.gateway.scarf.sh' ([Errno -3] Temporary failure in name resolution)\"))"],
        ),
        (
            "network_blocked",
            &[
                "HTTPSConnectionPool(host='huggingface.co', port=443):\nMax retries exceeded with url:\n  /org/m/resolve/main/model.pth\n  (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>:\n    Failed to resolve 'huggingface.co' ([Errno -3] Temporary failure in name resolution)\"))",
                // Another service's failure far above does not claim the Hub's host-less one.
                "WARNING: telemetry: Failed to resolve 'api.example.org' ([Errno -3] Temporary failure in name resolution)\nTraceback (most recent call last):\n  File \"/x/y.py\", line 3, in <module>\n    hf_hub_download(\"org/m\", \"x\")\nsocket.gaierror: [Errno -3] Temporary failure in name resolution",
            ],
        ),
    ]);
}

#[test]
fn browsers_apps_and_version_checks_in_their_own_words() {
    check(&[
        (
            "disk_full",
            &[
                "QuotaExceededError: Failed to execute 'add' on 'Cache': Quota exceeded.",
                "Uncaught (in promise) QuotaExceededError: Failed to execute 'put' on 'IDBObjectStore'",
            ],
        ),
        (
            "resource_exhausted",
            &[
                "Uncaught (in promise) RangeError: Array buffer allocation failed",
                "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
            ],
        ),
        (
            "network_blocked",
            &["Access to fetch at 'https://huggingface.co/org/m/resolve/main/config.json' from origin 'https://app.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present"],
        ),
        (
            "not_a_download",
            &[
                "InferenceClientProviderApiError: Failed to perform inference: Invalid username or password.",
                "Error: Failed to perform inference: Invalid credentials in Authorization header",
            ],
        ),
        (
            "auth_required",
            &[
                "AssertionError: Failed to download config.json from https://huggingface.co/org/m/resolve/main/config.json: 401",
                "Error: Forbidden access to file: \"https://huggingface.co/org/m/resolve/main/tokenizer.json\".",
            ],
        ),
        (
            "corrupt_partial",
            &[
                "RuntimeError: [load_safetensors] Invalid json header length file /Users/me/.cache/huggingface/hub/models--org--m/snapshots/abc/model.safetensors",
                "Exception: expected value at line 1 column 1",
            ],
        ),
        (
            "tool_missing",
            &[
                "ImportError: huggingface-hub>=0.19.3,<1.0 is required for a normal functioning of this module, but found huggingface-hub==0.17.1",
                "ImportError: hf_xet>=1.1.3 is required for a normal functioning of this module, but found hf_xet==1.0.0.",
                "ModuleNotFoundError: No module named 'huggingface_hub'",
            ],
        ),
        (
            // A caller older than the library: internals moved, a ceiling passed, a request line.
            "unknown",
            &[
                "ModuleNotFoundError: No module named 'huggingface_hub.utils._errors'",
                "    from huggingface_hub.utils._errors import RepositoryNotFoundError\nModuleNotFoundError: No module named 'huggingface_hub.utils._errors'",
                "ImportError: huggingface-hub>=0.30.0,<1.0 is required for a normal functioning of this module, but found huggingface-hub==1.2.1.",
                "--2025-09-13 18:22:15--  https://cas-bridge.xethub.hf.co/xet-bridge-us/6891/106966?X-Amz-Expires=3600",
                "Downloading https://huggingface.co/org/m/resolve/main/x.bin: 404 MB",
            ],
        ),
    ]);
}

#[test]
fn what_looks_like_a_download_failure_but_is_the_callers_or_the_runners() {
    check(&[
        (
            "unknown",
            &[
                // A model object printed where its name goes.
                "HFValidationError: Repo id must use alphanumeric chars or '-', '_', '.', '--' and '..' are forbidden, '-' and '.' cannot start or end the name, max length is 96: 'LlamaForCausalLM(\n  (model): LlamaModel(",
                "HFValidationError: Repo id must be in the form 'repo_name' or 'namespace/repo_name': '<__main__.Model object at 0x7f1c2d>'.",
                // vLLM given a GGUF file inside a repo: a feature it lacks.
                "ValueError: Invalid repository ID or local directory specified: 'org/m-GGUF/m-Q4_K_S.gguf'.",
                // ollama's runner failing on a model it has, reported as its own 500.
                "Error: 500 Internal Server Error: llama-server process has terminated: exit status 1: error loading model: unknown model architecture: 'mllama'",
                // IPython's listing of an `except (…)` tuple is source, not an error.
                "    830     except (\n    831         requests.exceptions.ChunkedEncodingError,\n    832         requests.exceptions.ConnectionError,",
            ],
        ),
        (
            "not_found",
            &[
                "HFValidationError: Repo id must be in the form 'repo_name' or 'namespace/repo_name': './checkpoints/ControlNetModel'. Use `repo_type` argument if needed.",
                "ValueError: Invalid repository ID or local directory specified: 'org/no-such-model'.",
            ],
        ),
        (
            "network_blocked",
            &[
                "gaierror                                  Traceback (most recent call last)",
                "RuntimeError: Data processing error: CAS service error : ReqwestMiddleware Error: Request error: error sending request for url (https://cas-server.xethub.hf.co/reconstruction/ab), source: hyper::Error(Io, Os { code: 10054, kind: ConnectionReset, message: \"An existing connection was forcibly closed by the remote host.\" })",
            ],
        ),
        (
            "stalled",
            &["Receiving objects: 100% (555/555), 175.65 KiB | 134.00 KiB/s, done.\nResolving deltas: 100% (341/341), done.\nwarning: Clone succeeded, but checkout failed."],
        ),
        (
            // The filter's own error outranks git's summary.
            "tool_missing",
            &["git-lfs filter-process: git-lfs: command not found\nfatal: the remote end hung up unexpectedly\nwarning: Clone succeeded, but checkout failed."],
        ),
    ]);
}

#[test]
fn an_apps_own_words_for_a_cut_or_stalled_download_and_a_pipeline_folder_as_a_repo() {
    check(&[
        (
            "corrupt_partial",
            &[
                "!!! Exception during processing !!! Error while deserializing header: HeaderTooLarge\n\nThe safetensors file is corrupt or invalid. Make sure this is actually a safetensors file and not a ckpt or pt or other filetype.",
                "detail: downloaded model is incomplete: weight shards are missing or still partial",
            ],
        ),
        ("stalled", &["WARN xet: no progress for 30s, restarting the transfer", "download stalled: no progress for 2 minutes"]),
        (
            "not_found",
            &[
                "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/FLUX.1-dev/transformer/resolve/main/config.json",
                "httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'https://huggingface.co/sdxl-base/unet/resolve/main/config.json'",
            ],
        ),
        (
            // A repo whose own name is the component stays a repo's 401.
            "auth_required",
            &["requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/black-forest-labs/FLUX.1-dev/resolve/main/transformer/config.json"],
        ),
    ]);
}

#[test]
fn more_layers_words_for_a_cut_body_a_refused_certificate_and_a_status_retried_out() {
    check(&[
        (
            "stalled",
            &[
                "urllib3.exceptions.ProtocolError: Response ended prematurely",
                "reqwest::Error { kind: Body, source: hyper::Error(Body, Custom { kind: UnexpectedEof, error: \"peer closed connection without sending TLS close_notify\" }) }",
                "Get \"https://cdn-lfs.hf.co/repos/ab/cd\": stream error: stream ID 3; INTERNAL_ERROR; received from peer",
                "TypeError: terminated\n  [cause]: SocketError: other side closed { code: 'UND_ERR_SOCKET' }",
                "2026-12-03 10:00:00 (1.2 MB/s) - Connection closed at byte 1048576. Retrying.",
                "System.Net.Http.HttpIOException: The response ended prematurely. (ResponseEnded)",
                "aiohttp.client_exceptions.ServerTimeoutError: Timeout on reading data from socket",
                "curl: (28) Operation too slow. Less than 1000 bytes/sec transferred the last 30 seconds",
            ],
        ),
        (
            "network_blocked",
            &[
                "Get \"https://huggingface.co/api/models/org/m\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid",
                "Error: certificate has expired { code: 'CERT_HAS_EXPIRED' }",
                "FetchError: request to https://huggingface.co/org/m/resolve/main/config.json failed, reason: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)",
                "fatal: unable to access 'https://huggingface.co/org/m/': schannel: SEC_E_UNTRUSTED_ROOT (0x80090325)",
                "ERROR: cannot verify huggingface.co's certificate, issued by 'CN=Corp Proxy CA':",
                "curl: (35) error:0A00010B:SSL routines::wrong version number",
                "curl: (5) Could not resolve proxy: proxy.corp.example",
                "Error: Proxy response (407) !== 200 when HTTP Tunneling",
                "aiohttp.client_exceptions.ConnectionTimeoutError: Connection timeout to host https://huggingface.co/api/datasets/org/ds",
                "java.net.SocketTimeoutException: Connect timed out",
            ],
        ),
        (
            "rate_limited",
            &["urllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /api/models/org/m (Caused by ResponseError('too many 429 error responses'))"],
        ),
        (
            "server_error",
            &["requests.exceptions.RetryError: HTTPSConnectionPool(host='cdn-lfs.hf.co', port=443): Max retries exceeded with url: /x (Caused by ResponseError('too many 503 error responses'))"],
        ),
    ]);
}

#[test]
fn a_refusal_of_a_request_that_is_no_download_and_another_stores_failures() {
    check(&[
        (
            "not_a_download",
            &[
                // A Space's settings, the Hub's LFS upload bucket, the inference router: the URL
                // says what the request was for, whatever the download rules read in the words.
                "Repository Not Found for url: https://huggingface.co/api/spaces/acme/whisper/hardware.\nInvalid username or password.",
                "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://hf-hub-lfs-us-east-1.s3-accelerate.amazonaws.com/repos/d6/a0/d6a0dc575fe1419cc7b5c10e450ddd9b96c6a4332e84725764a5032d7c87a83d/b535a91699f",
                "huggingface_hub.errors.HfHubHTTPError: 404 Client Error: Not Found for url: https://router.huggingface.co/hf-inference/models/acme/demo/v1/chat/completions",
                "httpx.HTTPStatusError: Client error '404 Not Found' for url 'https://api-inference.huggingface.co/models/acme/demo'",
            ],
        ),
        (
            "server_error",
            &["HfHubHTTPError: 500 Server Error: Internal Server Error for url: https://api.endpoints.huggingface.cloud/v2/endpoint/acme"],
        ),
        (
            "unknown",
            &[
                // ModelScope's client, pip, boto3: another store failing, not the Hub.
                "Downloading Model to directory: /home/u/.cache/modelscope/hub/qwen/Qwen2-VL-7B-Instruct\nurllib3.exceptions.ResponseError: too many 500 error responses",
                "Looking in links: https://modelscope.oss-cn-beijing.aliyuncs.com/releases/repo.html\nssl.SSLEOFError: EOF occurred in violation of protocol (_ssl.c:1007)",
                "  File \"/env/lib/python3.10/site-packages/botocore/response.py\", line 99, in read\n    chunk = self._raw_stream.read(amt)\nurllib3.exceptions.ProtocolError: ('Connection broken: IncompleteRead(6885376 bytes read, 1503232 more expected)', IncompleteRead(6885376 bytes read, 1503232 more expected))",
            ],
        ),
        (
            "corrupt_partial",
            &[
                "Exception: EOF while parsing a value at line 156568 column 3",
                "Exception: EOF while parsing a string at line 9 column 120",
                "pyarrow.lib.ArrowInvalid: Could not open Parquet input source '<Buffer>': Parquet magic bytes not found in footer. Either the file is corrupted or this is not a parquet file.",
                "OSError: Unable to load weights from pytorch checkpoint file for 'cache/models--org--m/snapshots/f99/pytorch_model-00039-of-00061.bin'. If you tried to load a PyTorch model from a TF 2.0 checkpoint, please set from_tf=True.",
            ],
        ),
        ("not_found", &["RuntimeError: Pretrained weights (/models/open_clip_pytorch_model.bin) not found for model ViT-H-14."]),
        ("stalled", &["RuntimeError: An error occurred while downloading using hf_transfer. Consider disabling HF_HUB_ENABLE_HF_TRANSFER for better error handling."]),
    ]);
}

#[test]
fn runtimes_and_ci_steps_state_causes_in_their_own_words() {
    check(&[
        ("network_blocked", &["code:'UND_ERR_CONNECT_TIMEOUT'", "TypeError: fetch failed\n  [cause]: ConnectTimeoutError: Connect Timeout Error (attempt: 1)\n  code: 'UND_ERR_CONNECT_TIMEOUT'"]),
        (
            "corrupt_partial",
            &[
                "gzip: stdin: invalid compressed data--crc error\ntar: Child returned status 1\ntar: Error is not recoverable: exiting now",
                "gzip: data.tar.gz: invalid compressed data--length error",
                "zipfile.BadZipFile: Bad CRC-32 for file 'train/part-0001.jsonl'",
            ],
        ),
        (
            "stalled",
            &[
                "FSTimeoutError                            Traceback (most recent call last)",
                "fsspec.exceptions.FSTimeoutError",
            ],
        ),
        (
            "disk_full",
            &["The node was low on resource: ephemeral-storage. Threshold quantity: 10120387530, available: 9166736Ki. Container llm was using 57900024Ki, request is 0"],
        ),
        (
            "tool_missing",
            &[
                "ERROR: failed to solve: process \"/bin/sh -c huggingface-cli download org/m --local-dir /m\" did not complete successfully: exit code: 127",
                "failed to solve: process \"/bin/sh -c hf download org/m\" did not complete successfully: exit code: 127",
            ],
        ),
        (
            "unknown",
            &[
                // A test's assertion names the classes it compared, not what was raised.
                "FAILED tests/test_names.py::test_gated[DatasetNotFoundError] - AssertionError: assert 'ConnectionError' == 'DatasetNotFoundError'\n  - DatasetNotFoundError\n  + ConnectionError",
                // A socket listing that names hf_xet's host states no failure.
                "      14 08    # CLOSE_WAIT to cas-server.xethub.hf.co — peer closed long ago",
                // Another step's 127.
                "failed to solve: process \"/bin/sh -c make docs\" did not complete successfully: exit code: 127",
            ],
        ),
    ]);
}

#[test]
fn another_services_limits_and_a_local_runner_are_not_the_hubs() {
    check(&[
        (
            "unknown",
            &[
                // A package's own rate-limit and server-error classes: that service's, not the Hub's.
                "datacollective.errors.RateLimitError: Rate limit exceeded. Please try again later.",
                "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota', 'type': 'insufficient_quota'}}",
                "anthropic.InternalServerError: Error code: 500 - {'type': 'error', 'error': {'type': 'api_error', 'message': 'Internal server error'}}",
                // ollama's local server reporting its runner's crash.
                "Error: 500 Internal Server Error: llama runner process has terminated: exit status 2",
                // A checksum that fails for a file another service hosts: it changed there.
                "datasets.utils.info_utils.NonMatchingChecksumError: Checksums didn't match for dataset source files: ['https://ai2-public.s3.us-west-2.amazonaws.com/scirepeval/train/search/train.jsonl']",
            ],
        ),
        // The link where to report a bug is no request the program made.
        (
            "corrupt_partial",
            &["OSError: Consistency check failed: file should be of size 13393376 but has size 11730856 (dataset.arrow). We are sorry for the inconvenience. Please retry download and pass `force_download=True, resume_download=False` as argument. If the issue persists, please let us know by opening an issue on https://github.com/huggingface/huggingface_hub."],
        ),
        // The Hub's own 429 beside such a line is still the Hub's.
        (
            "rate_limited",
            &["openai.RateLimitError: Error code: 429\nrequests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/api/models/org/m/revision/main"],
        ),
        ("stalled", &["once it reaches 100%, nothing happens"]),
    ]);
}

#[test]
fn a_repo_without_an_owner_an_upload_and_the_hubs_storage_read_by_their_urls() {
    check(&[
        // Every gated or private repo has an owner: a 401 for one without is a repo that does
        // not exist (a local folder's name taken as an id), in every client's words.
        (
            "not_found",
            &[
                "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/my_local_model/resolve/main/config.json",
                "httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'https://huggingface.co/checkpoints/resolve/main/config.json'",
            ],
        ),
        // With an owner, or one of the ids from before owners (still served), it stays a refusal.
        (
            "auth_required",
            &[
                "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/org/private-model/resolve/main/config.json",
                "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/bert-base-uncased/resolve/main/config.json",
            ],
        ),
        // A 413 answers a request with a body; git-lfs sending objects before a refusal is a push.
        (
            "not_a_download",
            &[
                "huggingface_hub.utils._errors.HfHubHTTPError: 413 Client Error: Payload Too Large for url: https://huggingface.co/api/datasets/a/b/commit/main",
                "httpx.HTTPStatusError: Client error '413 Request Entity Too Large' for url 'https://huggingface.co/api/models/a/b/commit/main'",
                "Uploading LFS objects:   0% (0/1), 0 B | 0 B/s\nbatch response: Authorization error: https://huggingface.co/a/b.git/info/lfs/objects/batch",
            ],
        ),
        // The Hub's LFS storage on S3, path-style, is the Hub's: its 5xx is the Hub's.
        (
            "server_error",
            &[
                "requests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: https://s3.us-east-1.amazonaws.com/lfs.huggingface.co/repos/bf/18/abc?X-Amz-Algorithm=AWS4-HMAC-SHA256",
                "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://lfs.huggingface.co.s3.amazonaws.com/repos/bf/18/abc",
            ],
        ),
        // Any refusal of the inference API but a rate limit (the retired serverless API's 410,
        // a request the model cannot take) is no download.
        (
            "not_a_download",
            &[
                "requests.exceptions.HTTPError: 410 Client Error: Gone for url: https://api-inference.huggingface.co/models/gpt2",
                "huggingface_hub.errors.HfHubHTTPError: 422 Client Error: Unprocessable Entity for url: https://router.huggingface.co/v1/chat/completions",
            ],
        ),
        ("rate_limited", &["huggingface_hub.errors.HfHubHTTPError: 429 Client Error: Too Many Requests for url: https://router.huggingface.co/v1/chat/completions"]),
        // The same path on another bucket is another service's.
        (
            "unknown",
            &["requests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: https://s3.us-east-1.amazonaws.com/my-bucket/lfs.huggingface.co/abc"],
        ),
    ]);
}

#[test]
fn a_url_a_console_put_on_the_next_line_still_names_the_request() {
    check(&[
        ("unknown", &["requests.exceptions.HTTPError: 403 Client Error: Forbidden for url:\nhttps://api.github.com/repos/a/b/releases/latest"]),
        ("not_a_download", &["huggingface_hub.errors.HfHubHTTPError: 404 Client Error: Not Found for url:\nhttps://huggingface.co/api/models/a/b/preupload/main"]),
        ("auth_required", &["requests.exceptions.HTTPError: 403 Client Error: Forbidden for url:\nhttps://huggingface.co/org/m/resolve/main/config.json"]),
    ]);
}

#[test]
fn typographic_quotes_a_paste_put_in_read_as_the_library_printed_them() {
    check(&[
        (
            "network_blocked",
            &[
                "OSError: We couldn’t connect to ‘https://huggingface.co’ to load this file, couldn’t find it in the cached files and it looks like bert-base-uncased is not the path to a directory containing a file named config.json.",
                "OSError: We couldn‘t connect to ‘https://huggingface.co’ to load this model.",
            ],
        ),
        // The same message with plain quotes, for the record.
        ("network_blocked", &["OSError: We couldn't connect to 'https://huggingface.co' to load this file."]),
    ]);
}

#[test]
fn a_failure_after_a_downloaders_source_line_is_about_that_source() {
    check(&[
        // aria2c, wget, git and a CI runner name the source on one line and the failure on the
        // next, without a host: another service's source makes it that service's.
        (
            "unknown",
            &[
                "Exception: [AbstractCommand.cc:351] errorCode=22 URI=https://storage.googleapis.com/bucket/weights.tar\n  -> [HttpSkipResponseCommand.cc:239] errorCode=22 The response status is not successful. status=403",
                "Connecting to download6.llamameta.net|108.138.141.82|:443... connected.\nOpenSSL: error:140773E8:SSL routines:SSL23_GET_SERVER_HELLO:reason(1000)\nUnable to establish SSL connection.",
                "Connecting to d1.cloudfront.net (d1.cloudfront.net)|13.226.237.67|:443... connected.\nHTTP request sent, awaiting response... 403 Forbidden\n2023-03-05 18:04:37 ERROR 403: Forbidden.",
                "$ git clone https://github.com/acme/big\nCloning into 'big'...\nerror: RPC failed; curl 92 HTTP/2 stream 5 was not closed cleanly: CANCEL (err 8)\nfatal: early EOF",
                "Warning: Failed to download action 'https://api.github.com/repos/acme/action/tarball/abc'. Error: timeout.\nError: Response status code does not indicate success: 429 (Too Many Requests).",
            ],
        ),
        // The Hub's own source keeps the failure the Hub's.
        (
            "auth_required",
            &["Exception: [AbstractCommand.cc:351] errorCode=22 URI=https://huggingface.co/org/gated/resolve/main/model.safetensors\n  -> [HttpSkipResponseCommand.cc:239] errorCode=22 The response status is not successful. status=403"],
        ),
        (
            "stalled",
            &["$ git clone https://huggingface.co/org/model\nCloning into 'model'...\nerror: RPC failed; curl 92 HTTP/2 stream 5 was not closed cleanly: CANCEL (err 8)\nfatal: early EOF"],
        ),
    ]);
}

#[test]
fn ollamas_own_library_is_not_the_hub_and_a_local_path_is_no_repo() {
    check(&[
        (
            "unknown",
            &[
                "$ ollama run llama3.1:8b\nError: pull model manifest: 500: {\"errors\":[{\"code\":\"INTERNAL_ERROR\",\"message\":\"internal error\"}]}",
                "> ollama pull mannix/llama3:8b\npulling 153664158022...  99%\nError: max retries exceeded: unexpected EOF",
            ],
        ),
        // A GGUF pulled from the Hub (`hf.co/…`) stays the Hub's.
        ("stalled", &["$ ollama run hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M\nError: max retries exceeded: unexpected EOF"]),
        (
            "not_found",
            &[
                "OSError: Can't load tokenizer for '/opt/models/my-bert'. Make sure that:\n- '/opt/models/my-bert' is a correct model identifier listed on 'https://huggingface.co/models'",
                "OSError: Can't load the configuration of 'C:\\models\\bert'. If you were trying to load it from 'https://huggingface.co/models', make sure you don't have a local directory with the same name.",
            ],
        ),
        (
            "not_a_download",
            &[
                "Bad request:\n{'message': \"The requested model 'acme/big' is not supported by any provider you have enabled.\", 'type': 'invalid_request_error', 'param': 'model', 'code': 'model_not_supported'}",
                "ValueError: Error raised by inference API: acme/m does not appear to have a file named config.json.",
                "HfHubHTTPError('The token available to HF does not allow writing to the Hub.')",
                "ValueError: Your token does not have write access to acme/m: make one at https://huggingface.co/settings/tokens",
                "Run git push https://***@huggingface.co/spaces/acme/demo main\nremote: Invalid username or password.\nfatal: Authentication failed for 'https://huggingface.co/spaces/acme/demo/'",
            ],
        ),
    ]);
}

#[test]
fn another_services_client_a_newer_file_format_and_an_old_names_list() {
    check(&[
        // git over ssh names its host without a scheme; torch.hub's download line, pip's vendored
        // stack, Kaggle's CLI, torch.hub.load of a GitHub repo and torch.distributed's store are
        // other services; an expired certificate is the server's own.
        (
            "unknown",
            &[
                "Cloning into 'app'...\ngit@gitlab.com: Permission denied (publickey).\nfatal: Could not read from remote repository.",
                "Downloading: \"https://download.pytorch.org/models/vgg16-397923af.pth\" to /root/.cache/torch/hub/checkpoints/vgg16-397923af.pth\nTraceback (most recent call last):\n  File \"urllib/request.py\", line 1344, in do_open\n  File \"http/client.py\", line 1336, in request\n  File \"http/client.py\", line 1382, in _send_request\n  File \"http/client.py\", line 1331, in endheaders\n  File \"http/client.py\", line 1091, in _send_output\n  File \"ssl.py\", line 1319, in do_handshake\nurllib.error.URLError: <urlopen error [Errno 101] Network is unreachable>",
                "  File \"/venv/lib/python3.12/site-packages/pip/_vendor/urllib3/response.py\", line 438, in _error_catcher\n    raise ProtocolError(\"Connection broken: %r\" % e, e)\npip._vendor.urllib3.exceptions.ProtocolError: (\"Connection broken: ConnectionResetError(104, 'Connection reset by peer')\", ConnectionResetError(104, 'Connection reset by peer'))",
                "$ kaggle datasets download -d acme/images\n429 - Too Many Requests",
                "model = torch.hub.load(\"acme/detector:v2\", \"small\")\nurllib.error.HTTPError: HTTP Error 403: rate limit exceeded",
                "torch.distributed.DistBackendError: [1] is setting up NCCL communicator and retrieving ncclUniqueId from [0] via c10d key-value store by key '0', but store->get('0') got error: Connection reset by peer",
                "Error fetching weights: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)",
                // A chain whose first exception names no host and whose next one names it.
                "urllib3.exceptions.SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1129)\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"/venv/lib/python3.11/site-packages/requests/adapters.py\", line 667, in send\n    resp = conn.urlopen(\n  File \"/venv/lib/python3.11/site-packages/urllib3/connectionpool.py\", line 843, in urlopen\n    retries = retries.increment(\n  File \"/venv/lib/python3.11/site-packages/urllib3/util/retry.py\", line 519, in increment\n    raise MaxRetryError(_pool, url, reason) from reason\nurllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='api.acme.example', port=443): Max retries exceeded with url: /v1/list (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1129)')))",
            ],
        ),
        // The same chain to the Hub is the Hub's.
        ("network_blocked", &["urllib3.exceptions.SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1129)\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"/venv/lib/python3.11/site-packages/requests/adapters.py\", line 667, in send\n    resp = conn.urlopen(\n  File \"/venv/lib/python3.11/site-packages/urllib3/connectionpool.py\", line 843, in urlopen\n    retries = retries.increment(\n  File \"/venv/lib/python3.11/site-packages/urllib3/util/retry.py\", line 519, in increment\n    raise MaxRetryError(_pool, url, reason) from reason\nurllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /api/models/org/m (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1129)')))"]),
        // The same facts at the Hub stay the Hub's.
        ("network_blocked", &[
            "git@hf.co: Permission denied (publickey).\nssh: connect to host hf.co port 22: Connection timed out",
            "requests.exceptions.SSLError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded with url: /api/models/org/m (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))",
            "Error Domain=NSURLErrorDomain Code=-1001 \"The request timed out.\" UserInfo={NSErrorFailingURLKey=https://huggingface.co/api/models/org/m/revision/main}",
            "Error Domain=NSURLErrorDomain Code=-1009 \"The Internet connection appears to be offline.\" UserInfo={NSErrorFailingURLKey=https://huggingface.co/org/m/resolve/main/config.json}",
        ]),
        // A GGML loader meeting a GGUF or GGJT v3 file is too old for it.
        ("tool_missing", &[
            "llama_model_load: unknown (magic, version) combination: 46554747, 00000003; is this really a GGML file?",
            "error loading model: unknown (magic, version) combination: 67676a74, 00000003; is this really a GGML file?",
        ]),
        // transformers 2.x: a path or owner/name outside its shortcut list; datasets 1.x: a
        // relative path looked up as a name.
        ("not_found", &[
            "OSError: Model name './out/checkpoint-500' was not found in tokenizers model name list (roberta-base, roberta-large). We assumed './out/checkpoint-500' was a path",
            "OSError: Model name 'acme/tiny-bert' was not found in model name list (bert-base-uncased, bert-large-uncased). We assumed 'acme/tiny-bert' was a path or url",
            "ConnectionError: Couldn't reach https://s3.amazonaws.com/datasets.huggingface.co/datasets/datasets/../corpus/corpus.py",
            "ValueError: Can't find a vocabulary file at path 'models/cased_L-24'.",
        ]),
        // pytorch-transformers' words for a built-in model it could not fetch.
        ("network_blocked", &["Couldn't reach server at 'https://s3.amazonaws.com/models.huggingface.co/bert/bert-large-cased-config.json' to download pretrained model configuration file."]),
        // An app's framework or a model's remote code missing is no download tool.
        ("unknown", &[
            "ModuleNotFoundError: No module named 'vllm'",
            "ModuleNotFoundError: No module named 'transformers_modules.acme'",
        ]),
        ("tool_missing", &["ModuleNotFoundError: No module named 'typer'"]),
        // The inference API's loading body, in Python's quotes too.
        ("not_a_download", &["{'error': 'Model acme/huge is currently loading', 'estimated_time': 520.5}"]),
    ]);
}
