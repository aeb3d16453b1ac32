//! Where webhooks may go. A URL is read as fetch() reads it (WHATWG: `https://0x7f.1/` is the
//! IPv4 literal 127.0.0.1), then refused unless it is `https` without userinfo, its host is not an
//! IP literal of a private, loopback, link-local or otherwise reserved range, and not a name that
//! only resolves inside a network. Names that resolve to such addresses are production's part:
//! the Worker runs with `global_fetch_strictly_public`. The local stack allows its own loopback
//! receivers (`http://127.0.0.1:PORT`) by a deployment setting.

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Names of networks, not of the internet.
const INTERNAL_SUFFIXES: [&str; 5] = ["localhost", "local", "internal", "home.arpa", "localdomain"];

/// The URL, or why webhooks may not go there (a message for the `body.url` field).
pub fn check(url: &str, allow_loopback_http: bool) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|e| format!("is not a URL ({e})"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    let host = parsed.host().ok_or("must name a host")?;
    if allow_loopback_http && parsed.scheme() == "http" && matches!(host, Host::Ipv4(Ipv4Addr::LOCALHOST)) {
        return Ok(parsed);
    }
    if parsed.scheme() != "https" {
        return Err("must be an https URL".into());
    }
    let refused = match host {
        Host::Ipv4(address) => !is_public_v4(address),
        Host::Ipv6(address) => !is_public_v6(address),
        Host::Domain(name) => is_internal_name(name),
    };
    if refused {
        return Err("must be a public address, not a private, loopback, link-local or reserved one".into());
    }
    Ok(parsed)
}

fn is_internal_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    // a name without a dot resolves through a search domain, inside a network
    !name.contains('.')
        || INTERNAL_SUFFIXES.iter().any(|suffix| name == *suffix || name.ends_with(&format!(".{suffix}")))
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [a, b, c, _] = address.octets();
    !(address.is_unspecified()
        || address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_broadcast()
        || address.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 224) // multicast and reserved
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    if let Some(v4) = address.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let first = address.segments()[0];
    !(address.is_unspecified()
        || address.is_loopback()
        || address.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && address.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && address.segments()[1] == 0xff9b) // NAT64 to any IPv4 address
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn public_https_urls_pass() {
        for url in ["https://example.com/hook", "https://hooks.example.co.uk:8443/a?b=c", "https://93.184.216.34/x"] {
            assert!(check(url, false).is_ok(), "{url}");
        }
    }

    #[test]
    fn private_reserved_and_internal_targets_are_refused() {
        for url in [
            "http://example.com/",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "https://user@example.com/",
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://192.168.1.5/",
            "https://127.0.0.1/",
            "https://0x7f.1/",
            "https://2130706433/",
            "https://169.254.169.254/latest/meta-data",
            "https://0.0.0.0/",
            "https://100.64.0.1/",
            "https://224.0.0.1/",
            "https://255.255.255.255/",
            "https://[::1]/",
            "https://[::]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://[64:ff9b::a00:1]/",
            "https://localhost/",
            "https://api.localhost/",
            "https://printer.local/",
            "https://db.internal/",
            "https://nas.home.arpa/",
            "https://intranet/",
            "not a url",
        ] {
            assert!(check(url, false).is_err(), "{url} must be refused");
        }
    }

    #[test]
    fn the_local_stack_reaches_its_loopback_receivers_over_http_only_when_allowed() {
        assert!(check("http://127.0.0.1:9000/ok", true).is_ok());
        assert!(check("http://127.0.0.1:9000/ok", false).is_err());
        assert!(check("http://localhost:9000/ok", true).is_err(), "the literal only");
        assert!(check("http://10.0.0.1:9000/ok", true).is_err());
        assert!(check("https://127.0.0.1/", true).is_err(), "https to loopback is no dev receiver");
    }
}
