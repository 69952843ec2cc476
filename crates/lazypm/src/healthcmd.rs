//! `lazypm healthcheck`: asks a running `lazypm serve` whether it is up, so
//! a container's health check needs nothing but the binary (no curl).

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::Duration;

use anyhow::Context as _;

#[derive(clap::Args)]
pub struct HealthArgs {
    /// The server to ask (plain http; its /api/health must answer 200).
    #[arg(long, default_value = "http://127.0.0.1:1929", value_name = "URL")]
    url: String,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 3, value_name = "SECONDS")]
    timeout: u64,
}

/// Exits 0 when `URL/api/health` answers 200 in time, else fails saying why.
pub fn run(args: &HealthArgs) -> anyhow::Result<()> {
    let timeout = Duration::from_secs(args.timeout.max(1));
    let (host, port) = host_port(&args.url)?;
    // Every address the name has (localhost may be ::1 first while the
    // server listens on 127.0.0.1), the first that answers.
    let addrs: Vec<_> = (host.as_str(), port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {host}"))?
        .collect();
    let mut stream = None;
    let mut refused = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => refused = Some(e),
        }
    }
    let mut stream = match (stream, refused) {
        (Some(s), _) => s,
        (None, Some(e)) => anyhow::bail!("nothing answers at {}: {e}", args.url),
        (None, None) => anyhow::bail!("{host} has no address"),
    };
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    // An IPv6 host goes back in brackets in the Host header.
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    write!(
        stream,
        "GET /api/health HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 64];
    let n = stream
        .read(&mut head)
        .with_context(|| format!("{} did not answer in time", args.url))?;
    let line = String::from_utf8_lossy(&head[..n]);
    let status = line
        .split_whitespace()
        .nth(1)
        .context("the answer is not HTTP")?;
    anyhow::ensure!(
        status == "200",
        "{}/api/health answered {status}",
        args.url.trim_end_matches('/')
    );
    out!("healthy");
    Ok(())
}

/// The host and port of an `http://host[:port][/…]` URL.
fn host_port(url: &str) -> anyhow::Result<(String, u16)> {
    let rest = url.strip_prefix("http://").with_context(|| {
        format!("--url: '{url}' is not an http:// URL (like http://127.0.0.1:1929)")
    })?;
    let authority = rest.split('/').next().unwrap_or_default();
    // A bracketed IPv6 host keeps its colons; the port follows "]:".
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => anyhow::bail!("--url: '{url}' has an unclosed '['"),
        },
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .with_context(|| format!("--url: '{p}' is not a port"))?,
        None => 80,
    };
    anyhow::ensure!(!host.is_empty(), "--url: '{url}' names no host");
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn urls_give_host_and_port() {
        assert_eq!(
            host_port("http://127.0.0.1:1929").unwrap(),
            ("127.0.0.1".into(), 1929)
        );
        assert_eq!(
            host_port("http://example.test/x").unwrap(),
            ("example.test".into(), 80)
        );
        assert_eq!(
            host_port("http://[::1]:8080/").unwrap(),
            ("::1".into(), 8080)
        );
        assert!(host_port("https://a:1").is_err());
        assert!(host_port("http://:1").is_err());
        assert!(host_port("http://a:x").is_err());
    }
}
