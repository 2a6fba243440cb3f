//! OS error conditions by meaning, whatever the OS, the language layer or the locale printed.
//!
//! The same refused connection reads `[Errno 111] Connection refused` (Linux Python),
//! `[Errno 61]` (macOS), `[WinError 10061] No connection could be made…` (Windows, in any
//! language: `由于目标计算机积极拒绝，无法连接。`), `(os error 111)` (Rust), `Os { code: 111, … }`
//! (Rust debug), `errno=111`, or only the English words (Go, curl, wget). Numbers are read first
//! (they do not depend on the locale); English words are the fallback.

/// One OS-level condition. `name()` is what catalogue `when` conditions spell (`errno = ["ENOSPC"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Errno {
    /// ENOSPC, ERROR_DISK_FULL (112), ERROR_HANDLE_DISK_FULL (39).
    NoSpace,
    /// EDQUOT.
    QuotaExceeded,
    /// EACCES, EPERM, ERROR_ACCESS_DENIED (5).
    Access,
    /// EROFS.
    ReadOnly,
    /// ENOENT, ERROR_FILE_NOT_FOUND (2), ERROR_PATH_NOT_FOUND (3).
    NoEntry,
    /// EMFILE, ENFILE, WSAEMFILE, ERROR_TOO_MANY_OPEN_FILES (Windows 4).
    TooManyFiles,
    /// ENOMEM (12), ERROR_NOT_ENOUGH_MEMORY (Windows 8), ERROR_OUTOFMEMORY (14),
    /// ERROR_COMMITMENT_LIMIT (1455: the paging file is too small, when a large file is mapped).
    OutOfMemory,
    /// The filesystem cannot do it: EOPNOTSUPP (Linux 95; symlinks or locks on exFAT, a
    /// network share, some FUSE mounts), ERROR_NOT_SUPPORTED (Windows 50).
    Unsupported,
    /// ENOBUFS, WSAENOBUFS.
    NoBuffers,
    /// ENAMETOOLONG (Linux 36, macOS 63), ERROR_FILENAME_EXCED_RANGE (Windows 206).
    NameTooLong,
    /// ECONNREFUSED, WSAECONNREFUSED.
    ConnRefused,
    /// ETIMEDOUT, WSAETIMEDOUT.
    TimedOut,
    /// ENETUNREACH, WSAENETUNREACH.
    NetUnreachable,
    /// EHOSTUNREACH, WSAEHOSTUNREACH, EHOSTDOWN.
    HostUnreachable,
    /// ECONNRESET, WSAECONNRESET.
    ConnReset,
    /// ECONNABORTED, WSAECONNABORTED.
    ConnAborted,
    /// EPIPE.
    BrokenPipe,
    /// The name does not exist: EAI_NONAME (-2, macOS 8), WSAHOST_NOT_FOUND (11001), `no such host`.
    NameUnknown,
    /// The resolver failed or is unreachable: EAI_AGAIN (-3), EAI_FAIL (-4), EAI_NODATA (-5), WSATRY_AGAIN (11002).
    NameTemporary,
    /// ERROR_SHARING_VIOLATION (Windows 32): another process has the file open.
    SharingViolation,
    /// WSAEACCES (Windows 10013): the socket was refused by its access permissions (a firewall,
    /// an antivirus or a VPN client blocking the program, a port Windows reserved).
    SocketForbidden,
    /// ENOLCK (Linux 37): the filesystem cannot lock files (NFS without lockd, dbfs).
    NoLocks,
    /// ERROR_PRIVILEGE_NOT_HELD (Windows 1314): the account may not create symbolic links
    /// (no Developer Mode, not elevated).
    PrivilegeNotHeld,
}

impl Errno {
    pub const ALL: &'static [Errno] = &[
        Errno::NoSpace,
        Errno::QuotaExceeded,
        Errno::Access,
        Errno::ReadOnly,
        Errno::NoEntry,
        Errno::TooManyFiles,
        Errno::OutOfMemory,
        Errno::Unsupported,
        Errno::NoBuffers,
        Errno::NameTooLong,
        Errno::ConnRefused,
        Errno::TimedOut,
        Errno::NetUnreachable,
        Errno::HostUnreachable,
        Errno::ConnReset,
        Errno::ConnAborted,
        Errno::BrokenPipe,
        Errno::NameUnknown,
        Errno::NameTemporary,
        Errno::SharingViolation,
        Errno::SocketForbidden,
        Errno::NoLocks,
        Errno::PrivilegeNotHeld,
    ];

    /// The name catalogue conditions use.
    pub fn name(self) -> &'static str {
        match self {
            Errno::NoSpace => "ENOSPC",
            Errno::QuotaExceeded => "EDQUOT",
            Errno::Access => "EACCES",
            Errno::ReadOnly => "EROFS",
            Errno::NoEntry => "ENOENT",
            Errno::TooManyFiles => "EMFILE",
            Errno::OutOfMemory => "ENOMEM",
            Errno::Unsupported => "ENOTSUP",
            Errno::NoBuffers => "ENOBUFS",
            Errno::NameTooLong => "ENAMETOOLONG",
            Errno::ConnRefused => "ECONNREFUSED",
            Errno::TimedOut => "ETIMEDOUT",
            Errno::NetUnreachable => "ENETUNREACH",
            Errno::HostUnreachable => "EHOSTUNREACH",
            Errno::ConnReset => "ECONNRESET",
            Errno::ConnAborted => "ECONNABORTED",
            Errno::BrokenPipe => "EPIPE",
            Errno::NameUnknown => "EAI_NONAME",
            Errno::NameTemporary => "EAI_AGAIN",
            Errno::SharingViolation => "ESHARING",
            Errno::SocketForbidden => "WSAEACCES",
            Errno::NoLocks => "ENOLCK",
            Errno::PrivilegeNotHeld => "EPRIVILEGE",
        }
    }

    pub fn from_name(name: &str) -> Option<Errno> {
        Errno::ALL.iter().copied().find(|e| e.name().eq_ignore_ascii_case(name))
    }
}

/// Which numbering a number is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// `[Errno N]`, `errno=N`, `os error N` on a Unix: Linux numbers, with the macOS network numbers
    /// (51, 54, 60, 61, 65, 69) read as macOS, since their Linux meanings never come from a socket.
    Posix,
    /// `[WinError N]`, or `os error N` where the record shows it came from Windows.
    Windows,
    /// `socket.gaierror: [Errno N]` and friends: the resolver's own codes.
    Resolver,
}

/// The condition a number stands for, if it is one worth knowing.
pub fn from_number(n: i64, numbering: Numbering) -> Option<Errno> {
    use Errno::*;
    Some(match numbering {
        Numbering::Resolver => match n {
            -2 | 8 | 11001 => NameUnknown,
            -5..=-3 | 11002 | 11004 => NameTemporary,
            _ => return None,
        },
        Numbering::Windows => match n {
            112 | 39 => NoSpace,
            5 => Access,
            2 | 3 => NoEntry,
            32 | 33 => SharingViolation,
            4 | 10024 => TooManyFiles,
            8 | 14 | 1455 => OutOfMemory,
            50 => Unsupported,
            206 => NameTooLong,
            10013 => SocketForbidden,
            10061 => ConnRefused,
            10060 => TimedOut,
            10051 => NetUnreachable,
            10065 | 10064 => HostUnreachable,
            10054 => ConnReset,
            10053 => ConnAborted,
            10055 => NoBuffers,
            11001 => NameUnknown,
            11002 | 11004 => NameTemporary,
            1314 => PrivilegeNotHeld,
            _ => return None,
        },
        Numbering::Posix => match n {
            28 => NoSpace,
            122 | 69 => QuotaExceeded,
            13 | 1 => Access,
            30 => ReadOnly,
            2 => NoEntry,
            23 | 24 => TooManyFiles,
            12 => OutOfMemory,
            95 => Unsupported,
            36 | 63 => NameTooLong,
            105 | 55 => NoBuffers,
            111 | 61 => ConnRefused,
            110 | 60 => TimedOut,
            101 | 51 => NetUnreachable,
            113 | 112 | 65 | 64 => HostUnreachable,
            104 | 54 => ConnReset,
            103 | 53 => ConnAborted,
            32 => BrokenPipe,
            37 => NoLocks,
            -2 => NameUnknown,
            -5..=-3 => NameTemporary,
            // Unix errno numbers stop below a few hundred: larger ones are Windows's (sockets, 1314).
            n if n >= 1000 => return from_number(n, Numbering::Windows),
            _ => return None,
        },
    })
}

/// The symbolic names libuv (Node), Go's syscall package and Java print for a condition
/// (`connect ETIMEDOUT 1.2.3.4:443`, `code: 'ECONNRESET'`, `getaddrinfo EAI_AGAIN host`, `ENOSPC:
/// no space left on device, write`), read only in capitals and as whole words, so that
/// `FileNotFoundError` is no `ENOTFOUND`. Longest first where one contains another.
pub const SYMBOLS: &[(&str, Errno)] = &[
    ("ECONNREFUSED", Errno::ConnRefused),
    ("ECONNRESET", Errno::ConnReset),
    ("ECONNABORTED", Errno::ConnAborted),
    ("ETIMEDOUT", Errno::TimedOut),
    ("ENETUNREACH", Errno::NetUnreachable),
    ("EHOSTUNREACH", Errno::HostUnreachable),
    ("EHOSTDOWN", Errno::HostUnreachable),
    // Node's resolver codes: ENOTFOUND is its "no such name", EAI_AGAIN a resolver that failed.
    ("ENOTFOUND", Errno::NameUnknown),
    ("EAI_NONAME", Errno::NameUnknown),
    ("EAI_AGAIN", Errno::NameTemporary),
    ("ENOSPC", Errno::NoSpace),
    ("EDQUOT", Errno::QuotaExceeded),
    ("EACCES", Errno::Access),
    ("EPERM", Errno::Access),
    ("EROFS", Errno::ReadOnly),
    ("EMFILE", Errno::TooManyFiles),
    ("ENFILE", Errno::TooManyFiles),
    ("ENOMEM", Errno::OutOfMemory),
    ("ENAMETOOLONG", Errno::NameTooLong),
    ("EOPNOTSUPP", Errno::Unsupported),
    ("ENOTSUP", Errno::Unsupported),
    ("ENOBUFS", Errno::NoBuffers),
    ("EPIPE", Errno::BrokenPipe),
    ("ENOLCK", Errno::NoLocks),
];

/// The conditions `text` names by symbol (see [`SYMBOLS`]), in the order they appear: one
/// case-sensitive pass, each hit kept only with no letter, digit or `_` on either side.
pub fn symbols_in(text: &str) -> impl Iterator<Item = Errno> + '_ {
    use aho_corasick::{AhoCorasick, MatchKind};
    static AC: std::sync::OnceLock<AhoCorasick> = std::sync::OnceLock::new();
    let ac = AC.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(SYMBOLS.iter().map(|(n, _)| n))
            .expect("errno symbols compile")
    });
    let bytes = text.as_bytes();
    let word = |i: Option<usize>| i.and_then(|i| bytes.get(i)).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    ac.find_iter(text)
        .filter(move |m| !word(m.start().checked_sub(1)) && !word(Some(m.end())))
        .map(|m| SYMBOLS[m.pattern().as_usize()].1)
}

/// English strerror / Windows message texts, for layers that print no number (Go, curl, wget,
/// Rust without `os error`), lower-cased. Order matters: the first phrase found wins.
pub const PHRASES: &[(&str, Errno)] = &[
    ("no space left on device", Errno::NoSpace),
    ("not enough space on the disk", Errno::NoSpace),
    ("disk quota exceeded", Errno::QuotaExceeded),
    ("read-only file system", Errno::ReadOnly),
    ("too many open files", Errno::TooManyFiles),
    ("no buffer space available", Errno::NoBuffers),
    ("being used by another process", Errno::SharingViolation),
    ("forbidden by its access permissions", Errno::SocketForbidden),
    ("no locks available", Errno::NoLocks),
    ("a required privilege is not held by the client", Errno::PrivilegeNotHeld),
    ("connection refused", Errno::ConnRefused),
    ("actively refused", Errno::ConnRefused),
    ("connection timed out", Errno::TimedOut),
    ("did not properly respond after a period of time", Errno::TimedOut),
    // Qt's QAbstractSocket::SocketTimeoutError (Krita, Qt apps).
    ("socket operation timed out", Errno::TimedOut),
    ("network is unreachable", Errno::NetUnreachable),
    ("no route to host", Errno::HostUnreachable),
    ("host is down", Errno::HostUnreachable),
    ("connection reset by peer", Errno::ConnReset),
    ("forcibly closed by the remote host", Errno::ConnReset),
    ("connection aborted", Errno::ConnAborted),
    ("broken pipe", Errno::BrokenPipe),
    ("name or service not known", Errno::NameUnknown),
    ("nodename nor servname provided", Errno::NameUnknown),
    ("no such host", Errno::NameUnknown),
    ("could not resolve host", Errno::NameUnknown),
    ("temporary failure in name resolution", Errno::NameTemporary),
    ("getaddrinfo failed", Errno::NameTemporary),
    // .NET's WebException (PowerShell's Invoke-WebRequest) and Go's resolver answering SERVFAIL.
    ("the remote name could not be resolved", Errno::NameUnknown),
    // SQLite's SQLITE_FULL (caches and lock databases kept in SQLite), and the words apps print
    // for ENOSPC without the number.
    ("database or disk is full", Errno::NoSpace),
    ("not enough space on device", Errno::NoSpace),
    ("not enough space on the device", Errno::NoSpace),
    ("server misbehaving", Errno::NameTemporary),
    // glibc's messages in the locales a log is most often pasted from (wget, curl, Go and Rust
    // print the text without the number): zh_CN, de, fr, ja, ru, pt_BR, es, ko. Matching ignores
    // ASCII case only: a phrase starts after a capital that is not ASCII (Cyrillic, `É`).
    ("设备上没有空间", Errno::NoSpace),
    ("auf dem gerät ist kein speicherplatz mehr verfügbar", Errno::NoSpace),
    ("aucun espace disponible sur le périphérique", Errno::NoSpace),
    ("デバイスに空き領域がありません", Errno::NoSpace),
    ("не осталось свободного места", Errno::NoSpace),
    ("não há espaço disponível no dispositivo", Errno::NoSpace),
    ("no queda espacio en el dispositivo", Errno::NoSpace),
    ("장치에 남은 공간이 없음", Errno::NoSpace),
    ("拒绝连接", Errno::ConnRefused),
    ("verbindungsaufbau abgelehnt", Errno::ConnRefused),
    ("connexion refusée", Errno::ConnRefused),
    ("接続を拒否されました", Errno::ConnRefused),
    ("соединении отказано", Errno::ConnRefused),
    ("conexão recusada", Errno::ConnRefused),
    ("conexión rehusada", Errno::ConnRefused),
    ("연결이 거부됨", Errno::ConnRefused),
    ("连接超时", Errno::TimedOut),
    ("die wartezeit für die verbindung ist abgelaufen", Errno::TimedOut),
    ("connexion terminée par expiration du délai d'attente", Errno::TimedOut),
    ("接続がタイムアウトしました", Errno::TimedOut),
    ("ожидания соединения истекло", Errno::TimedOut),
    ("网络不可达", Errno::NetUnreachable),
    ("das netzwerk ist nicht erreichbar", Errno::NetUnreachable),
    ("le réseau n'est pas accessible", Errno::NetUnreachable),
    ("ネットワークに届きません", Errno::NetUnreachable),
    ("没有到主机的路由", Errno::HostUnreachable),
    ("keine route zum zielrechner", Errno::HostUnreachable),
    ("ホストへの経路がありません", Errno::HostUnreachable),
    ("未知的名称或服务", Errno::NameUnknown),
    ("der name oder der dienst ist nicht bekannt", Errno::NameUnknown),
    ("nom ou service inconnu", Errno::NameUnknown),
    ("名前またはサービスが不明です", Errno::NameUnknown),
    ("или служба не известны", Errno::NameUnknown),
    ("nome ou serviço desconhecido", Errno::NameUnknown),
    ("nombre o servicio desconocido", Errno::NameUnknown),
    ("域名解析暂时失败", Errno::NameTemporary),
    ("temporärer fehler bei der namensauflösung", Errno::NameTemporary),
    ("temporaire dans la résolution du nom", Errno::NameTemporary),
    // Windows' own messages (FormatMessage) in the system's language, as Go (`connectex:`,
    // `wsarecv:`), .NET, curl and PowerShell print them without the number: zh_CN, zh_TW, ja,
    // ko, de, fr, es, pt_BR, ru, it. Each phrase is the part of the message that names the
    // condition, cut where punctuation varies between releases.
    ("目标计算机积极拒绝", Errno::ConnRefused),
    ("目標電腦拒絕連線", Errno::ConnRefused),
    ("拒否されたため、接続できませんでした", Errno::ConnRefused),
    ("연결을 거부했으므로", Errno::ConnRefused),
    ("da der zielcomputer die verbindung verweigerte", Errno::ConnRefused),
    ("expressément refusée", Errno::ConnRefused),
    ("denegó expresamente dicha conexión", Errno::ConnRefused),
    ("as recusou ativamente", Errno::ConnRefused),
    ("конечный компьютер отверг запрос на подключение", Errno::ConnRefused),
    ("rifiuto persistente del computer di destinazione", Errno::ConnRefused),
    ("连接的主机没有反应", Errno::TimedOut),
    ("連線的主機無法回應", Errno::TimedOut),
    ("一定の時間を過ぎても正しく応答しなかった", Errno::TimedOut),
    ("연결된 구성원으로부터 응답이 없어", Errno::TimedOut),
    ("nach einer bestimmten zeitspanne nicht richtig reagiert", Errno::TimedOut),
    ("pas répondu convenablement au-delà", Errno::TimedOut),
    ("no respondió adecuadamente tras un periodo de tiempo", Errno::TimedOut),
    ("não respondeu corretamente após um período de tempo", Errno::TimedOut),
    ("за требуемое время не получен нужный отклик", Errno::TimedOut),
    ("远程主机强迫关闭了一个现有的连接", Errno::ConnReset),
    ("已被遠端主機強制關閉", Errno::ConnReset),
    ("リモート ホストに強制的に切断されました", Errno::ConnReset),
    ("원격 호스트에 의해 강제로 끊겼습니다", Errno::ConnReset),
    ("eine vorhandene verbindung wurde vom remotehost geschlossen", Errno::ConnReset),
    ("connexion existante a dû être fermée", Errno::ConnReset),
    ("forzado la interrupción de una conexión existente", Errno::ConnReset),
    ("cancelamento de uma conexão existente", Errno::ConnReset),
    ("хост принудительно разорвал существующее подключение", Errno::ConnReset),
    ("不知道这样的主机", Errno::NameUnknown),
    ("そのようなホストは不明です", Errno::NameUnknown),
    ("der angegebene host ist unbekannt", Errno::NameUnknown),
    ("этот хост неизвестен", Errno::NameUnknown),
    ("请求的名称有效，但是找不到请求的类型的数据", Errno::NameUnknown),
    ("这通常是在主机名解析时出现的暂时错误", Errno::NameTemporary),
    ("磁盘空间不足", Errno::NoSpace),
    ("磁碟空間不足", Errno::NoSpace),
    ("ディスクに十分な空き領域がありません", Errno::NoSpace),
    ("디스크 공간이 부족합니다", Errno::NoSpace),
    ("nicht genügend speicherplatz vorhanden", Errno::NoSpace),
    ("nicht genug speicherplatz", Errno::NoSpace),
    ("espace insuffisant sur le disque", Errno::NoSpace),
    ("no hay espacio suficiente en el disco", Errno::NoSpace),
    ("espaço insuficiente no disco", Errno::NoSpace),
    ("едостаточно места на диске", Errno::NoSpace),
    ("spazio insufficiente sul disco", Errno::NoSpace),
    ("另一个程序正在使用此文件", Errno::SharingViolation),
    ("別のプロセスが使用中です", Errno::SharingViolation),
    ("von einem anderen prozess verwendet wird", Errno::SharingViolation),
    ("est utilisé par un autre processus", Errno::SharingViolation),
    ("siendo utilizado por otro proceso", Errno::SharingViolation),
    ("sendo usado por outro processo", Errno::SharingViolation),
    ("файл занят другим процессом", Errno::SharingViolation),
    ("客户端没有所需的特权", Errno::PrivilegeNotHeld),
    ("要求された特権を保有していません", Errno::PrivilegeNotHeld),
    ("dem client fehlt ein erforderliches recht", Errno::PrivilegeNotHeld),
    ("以一种访问权限不允许的方式做了一个访问套接字的尝试", Errno::SocketForbidden),
    // glibc's for the rest of the conditions above, same locales.
    ("连接被对方重设", Errno::ConnReset),
    ("连接被对方重置", Errno::ConnReset),
    ("vom kommunikationspartner zurückgesetzt", Errno::ConnReset),
    ("initialisée par le correspondant", Errno::ConnReset),
    ("接続が相手からリセットされました", Errno::ConnReset),
    ("оединение разорвано другой стороной", Errno::ConnReset),
    ("reinicializada por la máquina remota", Errno::ConnReset),
    ("只读文件系统", Errno::ReadOnly),
    ("dateisystem ist nur lesbar", Errno::ReadOnly),
    ("système de fichiers accessible en lecture seulement", Errno::ReadOnly),
    ("読み込み専用ファイルシステム", Errno::ReadOnly),
    ("система доступна только для чтения", Errno::ReadOnly),
    ("sistema de ficheros de sólo lectura", Errno::ReadOnly),
    ("sistema de arquivos somente para leitura", Errno::ReadOnly),
    ("超出磁盘限额", Errno::QuotaExceeded),
    ("plattenplatz (quota) ist überschritten", Errno::QuotaExceeded),
    ("débordement du quota", Errno::QuotaExceeded),
    ("ディスク使用量制限を超過しました", Errno::QuotaExceeded),
    ("ревышена дисковая квота", Errno::QuotaExceeded),
    ("excedido la cuota de disco", Errno::QuotaExceeded),
    ("打开的文件过多", Errno::TooManyFiles),
    ("zu viele offene dateien", Errno::TooManyFiles),
    ("trop de fichiers ouverts", Errno::TooManyFiles),
    ("開いているファイルが多すぎます", Errno::TooManyFiles),
    ("лишком много открытых файлов", Errno::TooManyFiles),
    ("demasiados archivos abiertos", Errno::TooManyFiles),
    ("еть недоступна", Errno::NetUnreachable),
    ("la red es inaccesible", Errno::NetUnreachable),
    ("rede está fora de alcance", Errno::NetUnreachable),
    ("aucun chemin d'accès pour atteindre l'hôte", Errno::HostUnreachable),
    ("ет маршрута до узла", Errno::HostUnreachable),
    ("no hay ninguna ruta hasta el", Errno::HostUnreachable),
    // Chromium's net errors (Electron apps, transformers.js in a browser or Node's undici logs).
    ("err_name_not_resolved", Errno::NameUnknown),
    ("err_name_resolution_failed", Errno::NameTemporary),
    ("err_connection_refused", Errno::ConnRefused),
    ("err_connection_timed_out", Errno::TimedOut),
    ("err_connection_reset", Errno::ConnReset),
    ("err_internet_disconnected", Errno::NetUnreachable),
    ("err_address_unreachable", Errno::HostUnreachable),
    // Apple's URL loading system (Swift apps, `URLSession`): `Error Domain=NSURLErrorDomain
    // Code=-1001 "The request timed out."`, by code, and its messages for the commonest ones.
    ("nsurlerrordomain code=-1001", Errno::TimedOut),
    ("nsurlerrordomain code=-1003", Errno::NameUnknown),
    ("nsurlerrordomain code=-1004", Errno::ConnRefused),
    ("nsurlerrordomain code=-1005", Errno::ConnReset),
    ("nsurlerrordomain code=-1009", Errno::NetUnreachable),
    ("a server with the specified hostname could not be found", Errno::NameUnknown),
    ("the internet connection appears to be offline", Errno::NetUnreachable),
    ("access is denied", Errno::Access),
    // The same in the locales above: Windows' ERROR_ACCESS_DENIED and glibc's EACCES.
    ("拒绝访问", Errno::Access),
    ("存取被拒", Errno::Access),
    ("アクセスが拒否されました", Errno::Access),
    ("액세스가 거부되었습니다", Errno::Access),
    ("zugriff verweigert", Errno::Access),
    ("accès refusé", Errno::Access),
    ("acceso denegado", Errno::Access),
    ("acesso negado", Errno::Access),
    ("тказано в доступе", Errno::Access),
    ("权限不够", Errno::Access),
    ("keine berechtigung", Errno::Access),
    ("permission non accordée", Errno::Access),
    ("許可がありません", Errno::Access),
    ("permiso denegado", Errno::Access),
    ("permissão negada", Errno::Access),
    ("허가 거부", Errno::Access),
    ("permesso negato", Errno::Access),
    ("permission denied", Errno::Access),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_os_spells_a_refused_connection_its_own_way() {
        assert_eq!(from_number(111, Numbering::Posix), Some(Errno::ConnRefused));
        assert_eq!(from_number(61, Numbering::Posix), Some(Errno::ConnRefused));
        assert_eq!(from_number(10061, Numbering::Windows), Some(Errno::ConnRefused));
        assert_eq!(from_number(10061, Numbering::Posix), Some(Errno::ConnRefused));
        assert_eq!(from_number(112, Numbering::Windows), Some(Errno::NoSpace));
        assert_eq!(from_number(28, Numbering::Posix), Some(Errno::NoSpace));
        assert_eq!(from_number(5, Numbering::Windows), Some(Errno::Access));
        assert_eq!(from_number(5, Numbering::Posix), None, "EIO on a Unix");
        assert_eq!(from_number(1314, Numbering::Windows), Some(Errno::PrivilegeNotHeld));
        assert_eq!(
            from_number(1314, Numbering::Posix),
            Some(Errno::PrivilegeNotHeld),
            "Rust's English `(os error 1314)`"
        );
        assert_eq!(from_number(i64::MAX, Numbering::Posix), None);
        assert_eq!(from_number(i64::MIN, Numbering::Windows), None);
    }

    #[test]
    fn names_round_trip() {
        for &e in Errno::ALL {
            assert_eq!(Errno::from_name(e.name()), Some(e));
        }
        assert_eq!(Errno::from_name("enospc"), Some(Errno::NoSpace));
        assert_eq!(Errno::from_name("EWHATEVER"), None);
    }

    #[test]
    fn symbols_are_read_in_capitals_and_as_whole_words() {
        let read = |t: &str| symbols_in(t).collect::<Vec<_>>();
        assert_eq!(read("Error: connect ETIMEDOUT 18.164.174.23:443"), [Errno::TimedOut]);
        assert_eq!(read("  code: 'ECONNRESET',"), [Errno::ConnReset]);
        assert_eq!(read("getaddrinfo EAI_AGAIN huggingface.co"), [Errno::NameTemporary]);
        assert_eq!(read("Error: ENOSPC: no space left on device, write"), [Errno::NoSpace]);
        // Not a symbol: part of a word, another symbol's tail, or in lower case.
        assert!(read("FileNotFoundError: ENOTFOUNDX SOCKETTIMEDOUT ESOCKETTIMEDOUT econnreset").is_empty());
        assert_eq!(read("EPIPE then EACCES"), [Errno::BrokenPipe, Errno::Access]);
    }
}
