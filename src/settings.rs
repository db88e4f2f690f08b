//! The embed settings the frame page receives in its query string from the loader
//! (`/widget/?department=1&title=…&fields=name*,email,phone*,cpf`). Pure parsing: every invalid
//! setting is an error that names it, but `lang`, kept as written (`texts::Lang::choose` falls back
//! from a language the widget does not speak).

use crate::core::prechat::{self, FieldRule};

/// What the site owner configured for this widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The zChat department new conversations go to.
    pub department_id: i64,
    /// The window's title.
    pub title: String,
    /// The pre-chat form's fields, `*` marking the required ones.
    pub fields: Vec<FieldRule>,
    /// The host page's origin (`https://shop.example.com`), for postMessage; none when the frame
    /// page is opened on its own.
    pub host: Option<String>,
    /// Departments the visitor chooses from (`departments=1:Atendimento,2:Vendas`); empty: none.
    pub departments: Vec<(i64, String)>,
    /// The language set by the site (`lang=pt-BR`), as written (at most [`MAX_LANG_CHARS`]); none:
    /// the browser's.
    pub lang: Option<String>,
    /// The site's colour (`color=#0a7d32`) for the header, buttons and the visitor's bubbles.
    pub color: Option<Accent>,
    /// The team's business hours (`hours=mon-fri 09:00-18:00`) and its time zone (`timezone=
    /// America/Sao_Paulo`), as given: the relay reads them (`GET /hours`) and says when the team
    /// is back, or names the one that is wrong.
    pub hours: Option<(String, String)>,
    /// `theme=dark`, or `auto` (the visitor's system decides); light without it.
    pub theme: Option<&'static str>,
    /// Whether a new message for the visitor who looks away chimes (`sound=off`: never) and
    /// makes the host page's title alternate (`title-alert=off`: never).
    pub sound: bool,
    pub title_alert: bool,
}

/// A colour from the embed settings, and the text colour that reads on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accent {
    /// `#rrggbb`.
    pub color: String,
    /// White where it has AA contrast (4.5:1) on the colour, else near-black.
    pub text: &'static str,
}

impl Accent {
    /// `#rgb` or `#rrggbb`.
    pub fn parse(text: &str) -> Option<Accent> {
        let hex = text.strip_prefix('#').filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
        let full: String = match hex.len() {
            3 => hex.chars().flat_map(|c| [c, c]).collect(),
            6 => hex.to_string(),
            _ => return None,
        };
        // Relative luminance, with gamma 2.25 (c² · ⁴√c: square roots, no pow in the wasm); white
        // needs 4.5:1 on it.
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&full[i..i + 2], 16).unwrap_or(0)) / 255.0;
            c * c * c.sqrt().sqrt()
        };
        let luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
        let on_white = 1.05 / (luminance + 0.05);
        Some(Accent { color: ["#", &full.to_ascii_lowercase()].concat(), text: if on_white >= 4.5 { "#fff" } else { "#111" } })
    }
}

const DEFAULT_TITLE: &str = "Chat with us";
/// Titles longer than this are cut: the header has one line.
const MAX_TITLE_CHARS: usize = 60;
/// The longest `data-lang` kept (a language tag is rarely over 35).
pub const MAX_LANG_CHARS: usize = 64;

impl Settings {
    /// Reads the settings from decoded query pairs. Unknown names are ignored (newer loaders may
    /// send more); a missing or invalid department is an error.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Settings, String> {
        let mut department = None;
        let mut title = None;
        let mut fields = None;
        let mut host = None;
        let mut departments = None;
        let mut lang = None;
        let mut color = None;
        let (mut hours, mut timezone, mut theme, mut sound, mut title_alert) = (None, None, None, None, None);
        for (name, value) in pairs {
            match name {
                "hours" => hours = Some(value),
                "theme" => theme = Some(value),
                "sound" => sound = Some(value),
                "title-alert" => title_alert = Some(value),
                "timezone" => timezone = Some(value.trim()),
                "lang" => lang = Some(value),
                "color" => color = Some(value),
                "departments" => departments = Some(value),
                "host" => host = Some(value),
                "department" => department = Some(value),
                "fields" => fields = Some(value),
                "title" => title = Some(value.trim()).filter(|t| !t.is_empty()),
                _ => {}
            }
        }
        let departments = departments.map(parse_departments).transpose()?.unwrap_or_default();
        // With a list, the first department is the default one.
        let first = departments.first().map(|(id, _)| id.to_string());
        let department = department.or(first.as_deref()).ok_or("data-department is missing.")?;
        let department_id = department
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| ["data-department \"", department, "\" is not a positive whole number."].concat())?;
        let title = title.map_or(DEFAULT_TITLE.to_string(), |t| t.chars().take(MAX_TITLE_CHARS).collect());
        let fields = fields.map_or_else(|| Ok(prechat::default_fields()), prechat::parse_fields)?;
        let host = host.map(|host| check_origin(host).ok_or_else(|| ["The host \"", host, "\" is not an origin."].concat())).transpose()?;
        // Not one of ours: the browser's language instead, and the site is told (`Lang::choose`).
        let lang = lang.map(|tag| tag.chars().take(MAX_LANG_CHARS).collect());
        let color = color
            .map(|text| Accent::parse(text.trim()).ok_or_else(|| ["data-color \"", text, "\" is not a colour like #2f6fed."].concat()))
            .transpose()?;
        let hours = hours.map(|hours| (hours.to_string(), timezone.unwrap_or_default().to_string()));
        let theme = match theme {
            None | Some("light") => None,
            Some("dark") => Some("dark"),
            Some("auto") => Some("auto"),
            Some(other) => return Err(["data-theme \"", other, "\" is not one of light, dark, auto."].concat()),
        };
        let (sound, title_alert) = (switch("sound", sound)?, switch("title-alert", title_alert)?);
        Ok(Settings { department_id, title, fields, host, departments, lang, color, hours, theme, sound, title_alert })
    }
}

/// A setting that is `on` (the default) or `off`.
fn switch(name: &str, value: Option<&str>) -> Result<bool, String> {
    match value {
        None | Some("on") => Ok(true),
        Some("off") => Ok(false),
        Some(other) => Err(["data-", name, " \"", other, "\" is not on or off."].concat()),
    }
}

/// `1:Atendimento,2:Vendas`: ids (positive whole numbers) and the names the visitor sees.
fn parse_departments(text: &str) -> Result<Vec<(i64, String)>, String> {
    let list: Vec<(i64, String)> = text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (id, name) = item.split_once(':').ok_or_else(|| ["data-departments: \"", item, "\" is not ID:NAME."].concat())?;
            let id = id
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| ["data-departments: the id \"", id, "\" is not a positive whole number."].concat())?;
            let name = name.trim();
            if name.is_empty() {
                return Err(["data-departments: the department ", &id.to_string(), " has no name."].concat());
            }
            Ok((id, name.chars().take(60).collect()))
        })
        .collect::<Result<_, String>>()?;
    if list.is_empty() {
        return Err("data-departments is empty.".into());
    }
    Ok(list)
}

/// `scheme://host[:port]`, exactly: what a browser reports as a page's origin.
fn check_origin(text: &str) -> Option<String> {
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"))?;
    let valid = !rest.is_empty() && !rest.contains(['/', '?', '#', '@', ' ']);
    valid.then(|| text.to_string())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn department_and_title() {
        let settings = Settings::from_pairs([("department", "3"), ("title", " Fale conosco "), ("x", "y")]).unwrap();
        assert_eq!(
            settings,
            Settings {
                department_id: 3,
                title: "Fale conosco".into(),
                fields: prechat::default_fields(),
                host: None,
                departments: vec![],
                lang: None,
                color: None,
                hours: None,
                theme: None,
                sound: true,
                title_alert: true
            }
        );
        assert_eq!(Settings::from_pairs([("department", "1"), ("lang", "pt-BR")]).unwrap().lang.as_deref(), Some("pt-BR"));
        // A language not ours is no reason to show no chat (`Lang::choose` falls back).
        assert_eq!(Settings::from_pairs([("department", "1"), ("lang", "fr")]).unwrap().lang.as_deref(), Some("fr"));
        let long = "x".repeat(1000);
        assert_eq!(Settings::from_pairs([("department", "1"), ("lang", long.as_str())]).unwrap().lang.map(|l| l.len()), Some(MAX_LANG_CHARS));
        let choice = Settings::from_pairs([("departments", "2:Vendas, 1:Atendimento")]).unwrap();
        assert_eq!((choice.department_id, choice.departments.len()), (2, 2), "the first is the default");
        for bad in ["Vendas", "x:Vendas", "0:Zero", "3:", ""] {
            assert!(Settings::from_pairs([("departments", bad)]).is_err(), "{bad:?}");
        }
        let hosted = Settings::from_pairs([("department", "1"), ("host", "https://shop.example.com:8443")]).unwrap();
        assert_eq!(hosted.host.as_deref(), Some("https://shop.example.com:8443"));
        for bad in ["*", "shop.example.com", "https://shop.example.com/path", "javascript:alert(1)"] {
            assert!(Settings::from_pairs([("department", "1"), ("host", bad)]).is_err(), "{bad}");
        }
        let asked = Settings::from_pairs([("department", "1"), ("fields", "name*,cpf*")]).unwrap();
        assert_eq!(asked.fields.len(), 2);
        assert!(Settings::from_pairs([("department", "1"), ("fields", "fax")]).unwrap_err().contains("fax"));
        assert_eq!(Settings::from_pairs([("department", "1")]).unwrap().title, DEFAULT_TITLE);
        assert_eq!(Settings::from_pairs([("department", "1"), ("title", &"x".repeat(100))]).unwrap().title.len(), 60);
    }

    #[test]
    fn colours_and_the_text_that_reads_on_them() {
        assert_eq!(Accent::parse("#2F6FED"), Some(Accent { color: "#2f6fed".into(), text: "#fff" }));
        assert_eq!(Accent::parse("#fd0").map(|a| (a.color, a.text)), Some(("#ffdd00".into(), "#111")), "yellow takes dark text");
        assert_eq!(Accent::parse("#000").unwrap().text, "#fff");
        for bad in ["red", "#12345", "#ggg", "2f6fed", "#2f6fed; x", ""] {
            assert!(Accent::parse(bad).is_none(), "{bad}");
        }
        assert!(Settings::from_pairs([("department", "1"), ("color", "blue")]).unwrap_err().contains("data-color"));
        assert_eq!(Settings::from_pairs([("department", "1"), ("color", "#0a7d32")]).unwrap().color.unwrap().color, "#0a7d32");
    }

    #[test]
    fn business_hours_go_to_the_relay_as_given() {
        let with = |pairs: &[(&'static str, &'static str)]| Settings::from_pairs([("department", "1")].into_iter().chain(pairs.iter().copied()));
        let set = with(&[("hours", "mon-fri 09:00-18:00"), ("timezone", " America/Sao_Paulo ")]).unwrap();
        assert_eq!(set.hours, Some(("mon-fri 09:00-18:00".into(), "America/Sao_Paulo".into())));
        assert_eq!(with(&[("hours", "weekdays")]).unwrap().hours, Some(("weekdays".into(), String::new())), "the relay names what is wrong");
        assert_eq!(with(&[("timezone", "UTC")]).unwrap().hours, None, "a zone alone changes nothing");
    }

    #[test]
    fn alerts_are_on_unless_the_site_turns_them_off() {
        let set =
            |name: &'static str, value: &'static str| Settings::from_pairs([("department", "1"), (name, value)]).map(|s| (s.sound, s.title_alert));
        assert_eq!(Settings::from_pairs([("department", "1")]).map(|s| (s.sound, s.title_alert)), Ok((true, true)));
        assert_eq!((set("sound", "off"), set("title-alert", "off"), set("sound", "on")), (Ok((false, true)), Ok((true, false)), Ok((true, true))));
        for bad in ["", "OFF", "no", "false", "0", "off "] {
            assert!(set("sound", bad).unwrap_err().starts_with("data-sound"), "{bad:?}");
            assert!(set("title-alert", bad).unwrap_err().starts_with("data-title-alert"), "{bad:?}");
        }
    }

    #[test]
    fn themes() {
        let theme = |value: &'static str| Settings::from_pairs([("department", "1"), ("theme", value)]).map(|settings| settings.theme);
        assert_eq!((theme("light"), theme("dark"), theme("auto")), (Ok(None), Ok(Some("dark")), Ok(Some("auto"))));
        for bad in ["", "Dark", "night", "dark ", "auto,dark", "<b>"] {
            assert!(theme(bad).unwrap_err().starts_with("data-theme"), "{bad:?}");
        }
    }

    #[test]
    fn a_missing_or_invalid_department_is_named() {
        assert!(Settings::from_pairs([]).unwrap_err().contains("data-department"));
        for bad in ["", "one", "0", "-2", "1.5"] {
            assert!(Settings::from_pairs([("department", bad)]).unwrap_err().contains("department"), "{bad:?}");
        }
    }
}
