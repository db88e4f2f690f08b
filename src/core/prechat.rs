//! The pre-chat form's rules: which fields are asked and required (from the embed settings), and
//! how each is checked. Phone and CPF are Brazilian: typed with a mask, sent as digits
//! (`11991417777`, `12345678900`, as in the reference).

use zchat_types::Customer;

use crate::texts::Texts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Email,
    Phone,
    Cpf,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::Name, Field::Email, Field::Phone, Field::Cpf];

    /// The name used in the embed settings (`data-fields="name*,email,phone*,cpf"`).
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Cpf => "cpf",
        }
    }
}

/// A field the form shows, and whether it must be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRule {
    pub field: Field,
    pub required: bool,
}

/// The default form: the name, required.
pub fn default_fields() -> Vec<FieldRule> {
    vec![FieldRule { field: Field::Name, required: true }]
}

/// Parses `name*,email,phone*,cpf` (`*` = required), naming what is wrong.
pub fn parse_fields(text: &str) -> Result<Vec<FieldRule>, String> {
    let mut rules: Vec<FieldRule> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let (key, required) = item.strip_suffix('*').map_or((item, false), |key| (key, true));
        let field = Field::ALL
            .into_iter()
            .find(|field| field.key() == key)
            .ok_or_else(|| ["data-fields: \"", key, "\" is not one of name, email, phone, cpf."].concat())?;
        if rules.iter().any(|rule| rule.field == field) {
            return Err(["data-fields: \"", key, "\" is listed twice."].concat());
        }
        rules.push(FieldRule { field, required });
    }
    if rules.is_empty() {
        return Err("data-fields lists no field.".into());
    }
    Ok(rules)
}

/// Keeps the digits of `text`, at most `max`.
fn digits(text: &str, max: usize) -> String {
    text.chars().filter(char::is_ascii_digit).take(max).collect()
}

/// `(11) 99141-7777` (mobile) or `(11) 3141-7777` (landline), as far as typed.
pub fn mask_phone(text: &str) -> String {
    let d = digits(text, 11);
    let split = if d.len() == 11 { 7 } else { 6 };
    match d.len() {
        0 => String::new(),
        1..=2 => ["(", &d].concat(),
        3..=6 => ["(", &d[..2], ") ", &d[2..]].concat(),
        _ => ["(", &d[..2], ") ", &d[2..split], "-", &d[split..]].concat(),
    }
}

/// `123.456.789-09`, as far as typed.
pub fn mask_cpf(text: &str) -> String {
    let d = digits(text, 11);
    let mut out = String::new();
    for (index, digit) in d.chars().enumerate() {
        match index {
            3 | 6 => out.push('.'),
            9 => out.push('-'),
            _ => {}
        }
        out.push(digit);
    }
    out
}

/// A CPF's check digits (the last two) match the first nine; repeated digits are refused.
pub fn cpf_is_valid(text: &str) -> bool {
    let d: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 11 || text.chars().any(|c| !c.is_ascii_digit() && c != '.' && c != '-' && c != ' ') || d.iter().all(|x| *x == d[0]) {
        return false;
    }
    let check = |count: usize| {
        let sum: u32 = d[..count].iter().enumerate().map(|(i, x)| x * (count as u32 + 1 - i as u32)).sum();
        (sum * 10 % 11) % 10
    };
    check(9) == d[9] && check(10) == d[10]
}

/// A plausible address: one `@`, something before it, a dotted domain after, no spaces.
pub fn email_is_valid(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.contains(char::is_whitespace)
        && text.len() <= 254
}

/// An email or a phone number (8 to 15 digits, written with spaces, dots, dashes, brackets or a
/// leading `+`) the team can answer at, trimmed; `None` when it is neither.
pub fn contact(text: &str) -> Option<String> {
    let text = text.trim();
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let phone =
        (8..=15).contains(&digits) && text.trim_start_matches('+').chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'));
    (email_is_valid(text) || phone).then(|| text.to_string())
}

/// What the visitor typed, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub cpf: String,
}

impl Answers {
    pub fn get(&self, field: Field) -> &str {
        match field {
            Field::Name => &self.name,
            Field::Email => &self.email,
            Field::Phone => &self.phone,
            Field::Cpf => &self.cpf,
        }
    }
}

/// Checks the answers against the rules: the customer to send, or every field's error in words.
pub fn check(answers: &Answers, rules: &[FieldRule], texts: &Texts) -> Result<Customer, Vec<(Field, String)>> {
    let mut customer = Customer::default();
    let mut errors = Vec::new();
    for rule in rules {
        let value = answers.get(rule.field).trim();
        if value.is_empty() {
            if rule.required {
                let message = match rule.field {
                    Field::Name => texts.missing_name,
                    Field::Email => texts.missing_email,
                    Field::Phone => texts.missing_phone,
                    Field::Cpf => texts.missing_cpf,
                };
                errors.push((rule.field, message.to_string()));
            }
            continue;
        }
        match rule.field {
            Field::Name => customer.name = Some(value.chars().take(100).collect()),
            Field::Email if email_is_valid(value) => customer.email = Some(value.to_string()),
            Field::Email => errors.push((Field::Email, texts.bad_email.into())),
            Field::Phone => {
                let number = digits(value, 12);
                if (10..=11).contains(&number.len()) {
                    customer.phone = Some(number);
                } else {
                    errors.push((Field::Phone, texts.bad_phone.into()));
                }
            }
            Field::Cpf if cpf_is_valid(value) => customer.cpf = Some(digits(value, 11)),
            Field::Cpf => errors.push((Field::Cpf, texts.bad_cpf.into())),
        }
    }
    if errors.is_empty() {
        Ok(customer)
    } else {
        Err(errors)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::texts::{Lang, EN};

    #[test]
    fn field_settings() {
        let rules = parse_fields("name*, email ,phone*,cpf").unwrap();
        assert_eq!(rules[0], FieldRule { field: Field::Name, required: true });
        assert_eq!(rules[1], FieldRule { field: Field::Email, required: false });
        assert!(rules[2].required && !rules[3].required);
        assert!(parse_fields("name,fax").unwrap_err().contains("fax"));
        assert!(parse_fields("name,name*").unwrap_err().contains("twice"));
        assert!(parse_fields(" , ").is_err());
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("11991417777"), "(11) 99141-7777");
        assert_eq!(mask_phone("1131417777"), "(11) 3141-7777");
        assert_eq!(mask_phone("(11) 9"), "(11) 9");
        assert_eq!(mask_phone("1"), "(1");
        assert_eq!(mask_phone("119914177779999"), "(11) 99141-7777", "extra digits are dropped");
        assert_eq!(mask_cpf("52998224725"), "529.982.247-25");
        assert_eq!(mask_cpf("5299"), "529.9");
        assert_eq!(mask_cpf("abc"), "");
    }

    #[test]
    fn cpf_check_digits() {
        for valid in ["529.982.247-25", "52998224725", "111.444.777-35"] {
            assert!(cpf_is_valid(valid), "{valid}");
        }
        for invalid in ["529.982.247-26", "12345678900", "111.111.111-11", "5299822472", "529x98224725"] {
            assert!(!cpf_is_valid(invalid), "{invalid}");
        }
    }

    #[test]
    fn emails() {
        assert!(email_is_valid("name@example.com"));
        for bad in ["name", "@example.com", "name@example", "a@b@c.com", "na me@example.com", "name@.com", "name@example."] {
            assert!(!email_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn answers_become_the_customer_or_errors_per_field() {
        let rules = parse_fields("name*,email,phone*,cpf").unwrap();
        let answers = Answers { name: " Maria ".into(), email: String::new(), phone: "(11) 99141-7777".into(), cpf: "529.982.247-25".into() };
        let customer = check(&answers, &rules, &EN).unwrap();
        assert_eq!(customer.name.as_deref(), Some("Maria"));
        assert_eq!(customer.email, None, "optional and empty");
        assert_eq!(customer.phone.as_deref(), Some("11991417777"));
        assert_eq!(customer.cpf.as_deref(), Some("52998224725"));

        let bad = Answers { name: String::new(), email: "maria@".into(), phone: "9914".into(), cpf: "111.111.111-11".into() };
        let errors: Vec<Field> = check(&bad, &rules, &EN).unwrap_err().into_iter().map(|(field, _)| field).collect();
        assert_eq!(errors, [Field::Name, Field::Email, Field::Phone, Field::Cpf]);
        let in_portuguese = check(&bad, &rules, Lang::PtBr.texts()).unwrap_err();
        assert_eq!(in_portuguese[3].1, "Este CPF não é válido: confira os dígitos.");
        let not_asked = Answers { name: "Ana".into(), cpf: "bad".into(), ..Answers::default() };
        assert!(check(&not_asked, &default_fields(), &EN).is_ok(), "fields not on the form are not checked");
    }
}
