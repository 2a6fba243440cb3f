use super::*;

fn errnos_of(text: &str) -> Vec<&'static str> {
    extract(text).errnos.iter().map(|e| e.name()).collect()
}

#[test]
fn one_refused_connection_in_every_spelling() {
    for text in [
        "ConnectionRefusedError: [Errno 111] Connection refused",
        "urllib3.exceptions.NewConnectionError: Failed to establish a new connection: [Errno 61] Connection refused",
        "Failed to establish a new connection: [WinError 10061] 由于目标计算机积极拒绝，无法连接。",
        "Failed to establish a new connection: [WinError 10061] No connection could be made because the target machine actively refused it",
        "error trying to connect: tcp connect error: Connection refused (os error 111)",
        "Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" }",
        "dial tcp 127.0.0.1:9: connect: connection refused",
        "curl: (7) Failed to connect to huggingface.co port 443 after 0 ms: Connection refused",
    ] {
        assert_eq!(errnos_of(text).first(), Some(&"ECONNREFUSED"), "{text}");
    }
}

#[test]
fn disk_full_and_access_in_every_spelling() {
    for text in [
        "OSError: [Errno 28] No space left on device",
        "OSError: [WinError 112] 磁盘空间不足。",
        "There is not enough space on the disk. (os error 112)",
        "IoError(Os { code: 28, kind: StorageFull, message: \"No space left on device\" })",
        "OSError: [Errno 122] Disk quota exceeded",
    ] {
        let e = errnos_of(text);
        assert!(e.contains(&"ENOSPC") || e.contains(&"EDQUOT"), "{text}: {e:?}");
    }
    assert_eq!(errnos_of("PermissionError: [WinError 5] Zugriff verweigert: 'C:\\\\Users\\\\x'"), ["EACCES"]);
    assert_eq!(errnos_of("PermissionError: [Errno 13] Permission denied: '/root/.cache/huggingface'"), ["EACCES"]);
    assert!(errnos_of("git@hf.co: Permission denied (publickey).").is_empty());
    assert_eq!(errnos_of("socket.gaierror: [Errno -3] Temporary failure in name resolution"), ["EAI_AGAIN"]);
    assert_eq!(errnos_of("socket.gaierror: [Errno 11001] getaddrinfo failed"), ["EAI_NONAME", "EAI_AGAIN"]);
    assert_eq!(errnos_of("socket.gaierror: [Errno 8] nodename nor servname provided, or not known"), ["EAI_NONAME"]);
    assert_eq!(errnos_of("ConnectionResetError(104, 'Connection reset by peer')"), ["ECONNRESET"]);
    // glibc's messages in other locales (wget, curl and Go print them without the number).
    assert_eq!(
        errnos_of("正在连接 huggingface.co (huggingface.co)|31.13.94.37|:443... 失败：连接超时。"),
        ["ETIMEDOUT"]
    );
    assert_eq!(
        errnos_of(
            "Auflösen des Hostnamens huggingface.co … fehlgeschlagen: Der Name oder der Dienst ist nicht bekannt."
        ),
        ["EAI_NONAME"]
    );
    assert_eq!(
        errnos_of(
            "Schreiben nach »model.safetensors« nicht möglich (Auf dem Gerät ist kein Speicherplatz mehr verfügbar)."
        ),
        ["ENOSPC"]
    );
    assert_eq!(errnos_of("dial tcp 1.2.3.4:443: connect: В соединении отказано"), ["ECONNREFUSED"]);
    assert_eq!(errnos_of("Échec temporaire dans la résolution du nom"), ["EAI_AGAIN"]);
    // Chromium's net errors, as Electron apps and transformers.js in a browser print them.
    assert_eq!(errnos_of("ERR_NAME_NOT_RESOLVED"), ["EAI_NONAME"]);
    assert_eq!(
        errnos_of("Error: net::ERR_CONNECTION_REFUSED at https://huggingface.co/api/models/x"),
        ["ECONNREFUSED"]
    );
    assert_eq!(errnos_of("TypeError: Failed to fetch (net::ERR_INTERNET_DISCONNECTED)"), ["ENETUNREACH"]);
    assert!(errnos_of("SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED]')").is_empty());
    assert_eq!(errnos_of("Error while removing corrupted file: The process cannot access the file because it is being used by another process. (os error 32)"), ["ESHARING"]);
    assert_eq!(errnos_of("write: broken pipe (os error 32)"), ["EPIPE"]);
    // Rust prints the OS's message: a localised one is Windows's numbering, English stays Linux's.
    assert_eq!(errnos_of("Error: IO Error: Espacio en disco insuficiente. (os error 112)"), ["ENOSPC"]);
    assert_eq!(errnos_of("Недостаточно места на диске. (os error 112)"), ["ENOSPC"]);
    assert_eq!(errnos_of("IoError(Os { code: 112, kind: StorageFull, message: \"磁盘空间不足。\" })"), ["ENOSPC"]);
    assert_eq!(errnos_of("connect: Host is down (os error 112)"), ["EHOSTUNREACH"]);
}

#[test]
fn exceptions_stacks_and_chains() {
    let f = extract(
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded",
    );
    assert_eq!(f.exception.as_ref().map(|e| e.class.as_str()), Some("SSLError"));
    assert_eq!(f.stack, Some(Stack::Requests));
    assert_eq!(f.hosts[0].role, Role::Hub);
    let f = extract("httpx.ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed");
    assert_eq!(f.stack, Some(Stack::Httpx));
    assert_eq!(extract("[rank0]: OSError: [Errno 28] No space left on device").exception.unwrap().class, "OSError");
    assert!(extract("HTTPError                                 Traceback (most recent call last)").exception.is_none());
    assert!(extract("Error: Local entry not found. [Errno 111] Connection refused").exception.is_none());
    assert_eq!(
        extract("The above exception was the direct cause of the following exception:").chain,
        Some(Chain::DirectCause)
    );
    assert_eq!(
        extract("errorCode=22 The response status is not successful. status=429").tool_code,
        Some(("aria2", 22))
    );
    assert_eq!(extract("error: RPC failed; curl 56 GnuTLS recv error (-9)").tool_code, Some(("curl", 56)));
    // aria2 states some failures only by its code: they become the status or OS condition.
    assert_eq!(extract("  -> [HttpSkipResponseCommand.cc:215] errorCode=24 Authorization failed.").statuses, vec![401]);
    assert_eq!(extract("  -> [HttpSkipResponseCommand.cc:215] errorCode=3 Resource not found").statuses, vec![404]);
    assert_eq!(
        extract("errorCode=22 The response status is not successful. status=403").statuses,
        vec![403],
        "a stated status stays the only one"
    );
    assert!(extract("Exception: [AbstractDiskWriter.cc:557] errNum=28 errorCode=9 Failed to write into the file /d/m")
        .errnos
        .contains(&Errno::NoSpace));
    // Windows refusing a symbolic link, in any language and in Rust's `(os error N)`.
    for line in [
        "OSError: [WinError 1314] A required privilege is not held by the client: '..\\..\\blobs\\ab' -> 'C:\\x'",
        "OSError: [WinError 1314] 客户端没有所需的特权。: 'C:\\Users\\me\\.cache'",
        "Error: I/O error A required privilege is not held by the client. (os error 1314)",
        "Error: I/O error Клиент не обладает требуемыми правами. (os error 1314)",
    ] {
        assert_eq!(extract(line).errnos, vec![Errno::PrivilegeNotHeld], "{line}");
    }
    assert_eq!(extract("remote: Invalid username or password.").git, Some("remote:"));
}

#[test]
fn foreign_hosts_are_not_the_hub() {
    let redis =
        extract("redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. Connection refused.");
    assert_eq!(redis.errnos, [Errno::ConnRefused]);
    assert!(redis.only_foreign_hosts(Some("huggingface.co"), true));
    let by = extract("Connection refused by localhost:6379");
    assert!(by.only_foreign_hosts(Some("huggingface.co"), true), "{by:?}");
    // The configured endpoint on loopback is the Hub of this run.
    let own = extract("Failed to connect to 127.0.0.1 port 8080: Connection refused");
    assert!(own.only_foreign_hosts(Some("huggingface.co"), true));
    assert!(!own.only_foreign_hosts(Some("127.0.0.1"), false));
    // A Hub client's own request to another host (datasets fetching a script) is still the download.
    let ds = extract("ConnectionError: Couldn't reach https://raw.githubusercontent.com/huggingface/datasets/2.19.1/metrics/x.py (ConnectionError(...[Errno 111] Connection refused))");
    assert!(!ds.only_foreign_hosts(Some("huggingface.co"), true));
    let none = extract("OSError: [Errno 101] Network is unreachable");
    assert!(!none.only_foreign_hosts(Some("huggingface.co"), true));
}

#[test]
fn tokens_paths_and_waits() {
    assert!(extract("requests.exceptions.InvalidHeader: ... header value: 'Bearer hf_abcdefgh\\n'").token_whitespace);
    assert!(!extract("Authorization: Bearer hf_abcdefgh").token_whitespace);
    assert_eq!(
        extract("PermissionError: [Errno 13] Permission denied: '/root/.cache/huggingface/hub'").path.as_deref(),
        Some("/root/.cache/huggingface/hub")
    );
    assert_eq!(extract("You can retry this action in about 5 minutes.").wait, Some(300));
}

#[test]
fn extraction_is_bounded_and_total() {
    let long = "[Errno 111] http://a.example/x status=503 Retry-After: 9999999999999999999999 ".repeat(5000);
    let f = extract(&long);
    assert!(f.hosts.len() <= 6 && f.statuses.len() <= 4 && f.errnos.len() <= 4);
    assert!(f.wait.map_or(true, |w| w <= wait::MAX_WAIT));
    for junk in [
        "",
        "\u{0}",
        "[Errno ]",
        "[Errno -]",
        "[WinError 99999999999]",
        "status=",
        "http://",
        "Retry after 9999999999999 hours",
    ] {
        let _ = extract(junk);
    }
    assert_eq!(extract("Retry after 9999999999 hours").wait, Some(wait::MAX_WAIT));
}

#[test]
fn an_import_error_names_identifiers_and_says_nothing_else() {
    assert!(is_import_failure("ImportError: cannot import name 'OfflineModeIsEnabled' from 'huggingface_hub.utils'"));
    assert!(is_import_failure("cannot import name cached_download from huggingface_hub"));
    assert!(!is_import_failure(
        "huggingface_hub.errors.OfflineModeIsEnabled: Cannot reach https://huggingface.co/api/models/x"
    ));
    assert!(!is_import_failure("ModuleNotFoundError: No module named 'hf_transfer'"));
}

#[test]
fn memory_long_names_and_unsupported_operations_by_number() {
    assert_eq!(errnos_of("OSError: 页面文件太小，无法完成操作。 (os error 1455)"), ["ENOMEM"]);
    assert_eq!(errnos_of("OSError: [Errno 12] Cannot allocate memory"), ["ENOMEM"]);
    assert_eq!(errnos_of("[WinError 8] Not enough memory resources are available to process this command"), ["ENOMEM"]);
    assert_eq!(errnos_of("[WinError 206] 文件名或扩展名太长。: 'C:\\\\a'"), ["ENAMETOOLONG"]);
    assert_eq!(errnos_of("OSError: [Errno 36] File name too long: '/home/u/x'"), ["ENAMETOOLONG"]);
    assert_eq!(errnos_of("OSError: [Errno 95] Operation not supported: 'a' -> 'b'"), ["ENOTSUP"]);
    assert_eq!(errnos_of("[WinError 4] 系统无法打开文件。"), ["EMFILE"]);
    assert_eq!(errnos_of("[WinError 10013] 以一种访问权限不允许的方式做了一个访问套接字的尝试。"), ["WSAEACCES"]);
    // Unix numbers that mean nothing here stay nothing: EINTR (4), ENOEXEC (8), EFAULT (14).
    for text in ["[Errno 4] Interrupted system call", "(os error 8)", "[Errno 14] Bad address"] {
        assert!(errnos_of(text).is_empty(), "{text}: {:?}", errnos_of(text));
    }
}

#[test]
fn a_tracebacks_source_lines_are_code() {
    for code in [
        "    raise ReadTimeout(e, request=request)",
        "   1175     elif resp.status_code == 404:",
        "    from huggingface_hub.utils._errors import RepositoryNotFoundError",
        "    import hf_transfer",
        "│ ❱ 1476 │   │   │   raise LocalEntryNotFoundError(",
        // IPython's listing of an `except (…)` tuple.
        "    832         requests.exceptions.ConnectionError,",
        // A test's assertion and pytest's diff of the values it compared.
        "FAILED tests/test_split_names.py::test_compute[gated-DatasetNotFoundError] - AssertionError: assert 'ConnectionError' == 'DatasetNotFoundError'",
        "- DatasetNotFoundError",
    ] {
        assert!(is_code_listing(code), "{code}");
    }
    for message in [
        "huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error.",
        "ImportError: cannot import name 'cached_download' from 'huggingface_hub'",
        "Please import the model from the Hub first",
        "  import of model failed: 404",
        "FAILED tests/test_hub.py::test_download - requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://huggingface.co/api/models/a/b",
    ] {
        assert!(!is_code_listing(message), "{message}");
    }
}
