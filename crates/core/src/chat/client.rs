//! What a visitor's `User-Agent` header and language say, for the agent.
//!
//! User-Agent parsing is best effort and shown to agents, never used to
//! decide anything. The woothee crate reads the header (its dataset knows
//! which tokens to trust first: Edge and Opera also claim to be Chrome and
//! Safari); its names are mapped to the ones agents already know, and two
//! things it does not tell are kept from before: tablets, and robots that
//! call themselves so behind a whole browser header.

use serde::{Deserialize, Serialize};

/// The languages the widget speaks.
pub use crate::language::LANGUAGES;

/// The kind of device a visitor uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceType {
    Desktop,
    Mobile,
    Tablet,
    /// A crawler or other robot.
    Bot,
    /// No User-Agent at all.
    Unknown,
}

/// A visitor's browser, system and device, as far as the User-Agent tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientInfo {
    /// `Edge`, `Opera`, `Samsung Internet`, `Chrome`, `Firefox`, `Safari`,
    /// or another browser's name (`Vivaldi`, `Internet Explorer`…).
    pub browser: Option<String>,
    /// `major.minor`, or `major` when that is all the header gives.
    pub browser_version: Option<String>,
    /// `Windows 10/11`, `Windows 8.1`, `Windows 8`, `Windows 7`, `Windows`,
    /// `iOS`, `Android`, `ChromeOS`, `macOS`, `Linux`, or another system's
    /// name (`BSD`, `BlackBerry`…).
    pub os: Option<String>,
    pub device: DeviceType,
}

/// Reads the browser, its version, the system and the device from a
/// User-Agent header. An empty header gives an `unknown` device and nothing
/// else; a robot (a crawler to woothee, or `bot`, `crawler`, `spider` in the
/// header, any case) gives a `bot` device and nothing else.
pub fn parse_user_agent(ua: &str) -> ClientInfo {
    let ua = ua.trim();
    let nothing = |device| ClientInfo {
        browser: None,
        browser_version: None,
        os: None,
        device,
    };
    if ua.is_empty() {
        return nothing(DeviceType::Unknown);
    }
    let Some(found) = woothee::parser::Parser::new().parse(ua) else {
        return nothing(device(ua, UNKNOWN));
    };
    let lower = ua.to_ascii_lowercase();
    if found.category == "crawler"
        || ["bot", "crawler", "spider"]
            .iter()
            .any(|w| lower.contains(w))
    {
        return nothing(DeviceType::Bot);
    }
    // Only real browsers: woothee also names HTTP libraries, feed readers
    // and consoles, with what it finds after their name as the "version".
    let browser = (found.browser_type == "browser" && found.name != UNKNOWN).then_some(found.name);
    ClientInfo {
        browser: browser.map(|b| browser_name(b).to_owned()),
        browser_version: browser.and(version(found.version)),
        os: os_name(found.os).map(str::to_owned),
        device: device(ua, found.category),
    }
}

/// What woothee says when it cannot tell.
const UNKNOWN: &str = "UNKNOWN";

/// Woothee's browser names as agents know them.
fn browser_name(name: &str) -> &str {
    match name {
        "SamsungBrowser" => "Samsung Internet",
        other => other,
    }
}

/// Woothee's system names as agents know them: `Windows NT 10.0` is 10 or
/// 11 (the header does not tell them apart), an iPhone's and an iPad's
/// system is iOS, older Windows versions are just Windows.
fn os_name(os: &str) -> Option<&str> {
    Some(match os {
        UNKNOWN => return None,
        "Windows 10" => "Windows 10/11",
        "Windows 8.1" | "Windows 8" | "Windows 7" => os,
        w if w.starts_with("Windows") => "Windows",
        "iPhone" | "iPad" | "iPod" | "iOS" => "iOS",
        "Mac OSX" => "macOS",
        other => other,
    })
}

/// `120.0.6099.109` → `120.0`; `17` → `17`; `UNKNOWN` → none.
fn version(v: &str) -> Option<String> {
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let mut parts = v[..end].split('.').filter(|p| !p.is_empty());
    let major = parts.next()?;
    Some(match parts.next() {
        Some(minor) => format!("{major}.{minor}"),
        None => major.to_owned(),
    })
}

/// Woothee puts tablets with phones (`smartphone`): an iPad, a `Tablet`
/// token, or Android without `Mobile` (Android tablets leave it out) make a
/// tablet.
fn device(ua: &str, category: &str) -> DeviceType {
    let android = ua.contains("Android");
    let mobile = ua.contains("Mobile");
    if ua.contains("iPad") || ua.contains("Tablet") || (android && !mobile) {
        DeviceType::Tablet
    } else if matches!(category, "smartphone" | "mobilephone") {
        DeviceType::Mobile
    } else {
        DeviceType::Desktop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(browser: &str, version: &str, os: &str, device: DeviceType) -> ClientInfo {
        ClientInfo {
            browser: Some(browser.to_owned()),
            browser_version: Some(version.to_owned()),
            os: Some(os.to_owned()),
            device,
        }
    }

    #[test]
    fn chrome_on_windows_is_a_desktop() {
        let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36";
        assert_eq!(
            parse_user_agent(ua),
            info("Chrome", "120.0", "Windows 10/11", DeviceType::Desktop)
        );
    }

    #[test]
    fn edge_is_not_mistaken_for_chrome() {
        let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91";
        assert_eq!(
            parse_user_agent(ua),
            info("Edge", "120.0", "Windows 10/11", DeviceType::Desktop)
        );
        let android = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 EdgA/120.0.2210.115";
        assert_eq!(
            parse_user_agent(android),
            info("Edge", "120.0", "Android", DeviceType::Mobile)
        );
    }

    #[test]
    fn opera_is_not_mistaken_for_chrome() {
        let ua = "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0";
        assert_eq!(
            parse_user_agent(ua),
            info("Opera", "106.0", "Windows 7", DeviceType::Desktop)
        );
    }

    #[test]
    fn samsung_internet_on_an_android_phone() {
        let ua = "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36";
        assert_eq!(
            parse_user_agent(ua),
            info("Samsung Internet", "23.0", "Android", DeviceType::Mobile)
        );
    }

    #[test]
    fn chrome_on_an_android_tablet_has_no_mobile_token() {
        let ua = "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Safari/537.36";
        assert_eq!(
            parse_user_agent(ua),
            info("Chrome", "120.0", "Android", DeviceType::Tablet)
        );
    }

    #[test]
    fn chrome_and_firefox_on_ios_use_their_own_tokens() {
        let crios = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1";
        assert_eq!(
            parse_user_agent(crios),
            info("Chrome", "120.0", "iOS", DeviceType::Mobile)
        );
        let fxios = "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15";
        assert_eq!(
            parse_user_agent(fxios),
            info("Firefox", "121.0", "iOS", DeviceType::Tablet)
        );
    }

    #[test]
    fn firefox_on_linux_windows_and_android() {
        let linux =
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(
            parse_user_agent(linux),
            info("Firefox", "121.0", "Linux", DeviceType::Desktop)
        );
        let windows =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(
            parse_user_agent(windows),
            info("Firefox", "121.0", "Windows 10/11", DeviceType::Desktop)
        );
        let phone = "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0";
        assert_eq!(
            parse_user_agent(phone),
            info("Firefox", "121.0", "Android", DeviceType::Mobile)
        );
        let tablet = "Mozilla/5.0 (Android 14; Tablet; rv:121.0) Gecko/121.0 Firefox/121.0";
        assert_eq!(
            parse_user_agent(tablet),
            info("Firefox", "121.0", "Android", DeviceType::Tablet)
        );
    }

    #[test]
    fn safari_on_mac_iphone_and_ipad() {
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 Safari/605.1.15";
        assert_eq!(
            parse_user_agent(mac),
            info("Safari", "17.2", "macOS", DeviceType::Desktop)
        );
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17 Mobile/15E148 Safari/604.1";
        assert_eq!(
            parse_user_agent(iphone),
            info("Safari", "17", "iOS", DeviceType::Mobile)
        );
        let ipad = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
        assert_eq!(
            parse_user_agent(ipad),
            info("Safari", "16.6", "iOS", DeviceType::Tablet)
        );
    }

    #[test]
    fn chrome_on_chromeos_and_on_a_mac() {
        let cros = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(
            parse_user_agent(cros),
            info("Chrome", "120.0", "ChromeOS", DeviceType::Desktop)
        );
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36";
        assert_eq!(
            parse_user_agent(mac),
            info("Chrome", "119.0", "macOS", DeviceType::Desktop)
        );
    }

    #[test]
    fn headless_chrome_is_a_desktop_chrome_not_a_bot() {
        let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36";
        assert_eq!(
            parse_user_agent(ua),
            info("Chrome", "120.0", "Linux", DeviceType::Desktop)
        );
    }

    #[test]
    fn robots_are_bots() {
        for ua in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
            "Some-Crawler/1.0",
        ] {
            let i = parse_user_agent(ua);
            assert_eq!(i.device, DeviceType::Bot, "{ua}");
            assert_eq!((i.browser, i.os), (None, None), "{ua}");
        }
    }

    #[test]
    fn older_windows_are_named_by_version_or_just_windows() {
        let chrome = |nt: &str| {
            format!("Mozilla/5.0 (Windows NT {nt}; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36")
        };
        for (nt, os) in [
            ("6.3", "Windows 8.1"),
            ("6.2", "Windows 8"),
            ("6.0", "Windows"),
            ("5.1", "Windows"),
        ] {
            assert_eq!(
                parse_user_agent(&chrome(nt)),
                info("Chrome", "109.0", os, DeviceType::Desktop),
                "NT {nt}"
            );
        }
    }

    #[test]
    fn other_browsers_and_systems_keep_the_parsers_names() {
        let ie = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko";
        assert_eq!(
            parse_user_agent(ie),
            info(
                "Internet Explorer",
                "11.0",
                "Windows 10/11",
                DeviceType::Desktop
            )
        );
        let vivaldi = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Vivaldi/6.5.3206.53";
        assert_eq!(
            parse_user_agent(vivaldi),
            info("Vivaldi", "6.5", "Windows 10/11", DeviceType::Desktop)
        );
        let bsd = "Mozilla/5.0 (X11; FreeBSD amd64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(
            parse_user_agent(bsd),
            info("Firefox", "121.0", "BSD", DeviceType::Desktop)
        );
        let edge_ios = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/120.0.2210.126 Mobile/15E148 Safari/605.1.15";
        assert_eq!(
            parse_user_agent(edge_ios),
            info("Edge", "120.0", "iOS", DeviceType::Mobile)
        );
    }

    #[test]
    fn robots_behind_a_browser_header_or_without_the_word_are_bots() {
        for ua in [
            // Known to the parser without saying "bot".
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            // A whole Safari header, then its name: the word rule.
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        ] {
            let i = parse_user_agent(ua);
            assert_eq!(i.device, DeviceType::Bot, "{ua}");
            assert_eq!((i.browser, i.os), (None, None), "{ua}");
        }
    }

    #[test]
    fn empty_is_unknown_and_unrecognised_is_a_bare_desktop() {
        assert_eq!(
            parse_user_agent("  "),
            ClientInfo {
                browser: None,
                browser_version: None,
                os: None,
                device: DeviceType::Unknown,
            }
        );
        assert_eq!(
            parse_user_agent("curl/8.5.0"),
            ClientInfo {
                browser: None,
                browser_version: None,
                os: None,
                device: DeviceType::Desktop,
            }
        );
    }

    #[test]
    fn device_serializes_in_snake_case() {
        assert_eq!(
            serde_json::to_value(DeviceType::Tablet).unwrap(),
            serde_json::json!("tablet")
        );
    }

    #[test]
    fn languages_reduce_to_a_supported_primary_subtag() {
        assert_eq!(crate::language::language(Some("fr-CA"), "en"), "fr");
        assert_eq!(crate::language::language(Some("ES"), "en"), "es");
        assert_eq!(crate::language::language(Some("es_MX"), "fr"), "es");
        assert_eq!(crate::language::language(Some("de-DE"), "fr"), "fr");
        assert_eq!(crate::language::language(Some(""), "es"), "es");
        assert_eq!(crate::language::language(None, "es"), "es");
        // A fallback that is not supported itself falls back to English.
        assert_eq!(crate::language::language(Some("de"), "de"), "en");
    }

    #[test]
    fn accept_language_lists_take_the_first_supported_entry() {
        assert_eq!(
            crate::language::language(Some("de-DE,de;q=0.9,fr;q=0.8,en;q=0.7"), "en"),
            "fr"
        );
        assert_eq!(crate::language::language(Some("es-419;q=0.9"), "en"), "es");
        assert_eq!(crate::language::language(Some("de, it"), "fr"), "fr");
    }
}
