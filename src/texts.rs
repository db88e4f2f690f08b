//! Every text the visitor reads, in one place, in Brazilian Portuguese, English and Spanish. The
//! language comes from the embed settings (`data-lang`) or the browser's language; English when
//! neither is one of these. Texts from zChat itself (its 422 messages) are shown as they come.

/// A language of the widget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    PtBr,
    Es,
}

impl Lang {
    /// A language tag (`pt-BR`, `pt`, `en-US`, `es-419`, `es`…) as one of ours.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        match primary.as_str() {
            "pt" => Some(Lang::PtBr),
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The `lang` attribute of the page.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::PtBr => "pt-BR",
            Lang::Es => "es",
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::PtBr => &PT_BR,
            Lang::Es => &ES,
        }
    }
}

/// The widget's texts in one language. Texts with a value are functions of it.
// `Debug` only for the tests (the wasm carries no `Debug`: BENCHMARKS.md).
#[cfg_attr(test, derive(Debug))]
pub struct Texts {
    pub intro: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub cpf: &'static str,
    pub department: &'static str,
    pub required: &'static str,
    pub optional: &'static str,
    pub start: &'static str,
    pub starting: &'static str,
    pub missing_name: &'static str,
    pub missing_email: &'static str,
    pub missing_phone: &'static str,
    pub missing_cpf: &'static str,
    pub bad_email: &'static str,
    pub bad_phone: &'static str,
    pub bad_cpf: &'static str,
    pub choose_department: &'static str,
    pub status_starting: &'static str,
    pub status_waiting: &'static str,
    pub status_next: &'static str,
    pub status_in_line: fn(u32) -> String,
    /// In the queue, when zChat gives no position.
    pub status_queued: &'static str,
    pub status_unavailable: &'static str,
    pub status_agent_joined: &'static str,
    pub status_chatting_with: fn(&str) -> String,
    pub status_ended: &'static str,
    pub status_reconnecting: &'static str,
    pub line_agent_joined: &'static str,
    pub line_agent_ended: &'static str,
    pub line_visitor_ended: &'static str,
    /// In place of an agent's message with nothing this chat can show.
    pub line_unshowable: &'static str,
    /// Who wrote a message when zChat names no agent.
    pub agent: &'static str,
    pub sending: &'static str,
    pub not_sent: fn(&str) -> String,
    pub retry: &'static str,
    pub agent_typing: &'static str,
    pub named_typing: fn(&str) -> String,
    pub write: &'static str,
    pub your_message: &'static str,
    pub send: &'static str,
    pub messages: &'static str,
    pub download: &'static str,
    pub end_chat: &'static str,
    pub end_question: &'static str,
    pub end_yes: &'static str,
    pub end_no: &'static str,
    pub close: &'static str,
    /// On the form, for a customer the site vouched for.
    pub verified: &'static str,
    pub forget_device: &'static str,
    pub forget_question: &'static str,
    pub forget_yes: &'static str,
    pub save_conversation: &'static str,
    /// The downloaded conversation: its file name, and who "you" are in it.
    pub conversation_file: &'static str,
    pub you: &'static str,
    /// The host page's launcher button: its label while the window is closed; with the number of
    /// unread agent messages (more than none).
    pub launcher_open: &'static str,
    pub launcher_unread: fn(u32) -> String,
    pub rate_title: &'static str,
    pub rate_note: &'static str,
    pub rate_good: &'static str,
    pub rate_bad: &'static str,
    pub rate_sending: &'static str,
    pub rate_thanks: &'static str,
    pub rate_failed: fn(&str) -> String,
    pub rate_region: &'static str,
    pub new_conversation: &'static str,
    pub cannot_start: fn(&str) -> String,
    pub offline: &'static str,
    pub server_trouble: &'static str,
    pub unexpected: &'static str,
    pub refused: fn(u16) -> String,
}

pub static EN: Texts = Texts {
    intro: "Hello! Tell us who you are and an agent will be with you shortly.",
    name: "Name",
    email: "Email",
    phone: "Phone",
    cpf: "CPF",
    department: "Department",
    required: " (required)",
    optional: " (optional)",
    start: "Start chat",
    starting: "Starting…",
    missing_name: "Please tell us your name.",
    missing_email: "Please give your email address.",
    missing_phone: "Please give your phone number.",
    missing_cpf: "Please give your CPF.",
    bad_email: "This email address does not look right (like name@example.com).",
    bad_phone: "The phone number needs the area code and 8 or 9 digits.",
    bad_cpf: "This CPF is not valid: please check its digits.",
    choose_department: "Please choose a department from the list.",
    status_starting: "Starting the conversation…",
    status_waiting: "Connecting you to an agent…",
    status_next: "You are next in line.",
    status_in_line: |n| format!("You are number {n} in line."),
    status_queued: "You are in line.",
    status_unavailable: "No agent is available right now. Leave a message or try again later.",
    status_agent_joined: "An agent joined the conversation.",
    status_chatting_with: |name| format!("You are chatting with {name}."),
    status_ended: "This conversation has ended.",
    status_reconnecting: "Reconnecting…",
    line_agent_joined: "An agent joined the conversation.",
    line_agent_ended: "The agent ended the conversation.",
    line_visitor_ended: "You ended the conversation.",
    line_unshowable: "The agent sent something this chat cannot show.",
    agent: "Agent",
    sending: "Sending…",
    not_sent: |reason| format!("Not sent: {reason} "),
    retry: "Retry",
    agent_typing: "The agent is typing…",
    named_typing: |name| format!("{name} is typing…"),
    write: "Write a message…",
    your_message: "Your message",
    send: "Send",
    messages: "Messages",
    download: "Download file",
    end_chat: "End chat",
    end_question: "End this conversation?",
    end_yes: "Yes, end it",
    end_no: "Cancel",
    close: "Close chat",
    verified: "✓ You are signed in to the site: the team will know it is you.",
    forget_device: "Forget this device",
    forget_question: "Forget this chat on this device? Your conversations will no longer show here.",
    forget_yes: "Yes, forget",
    save_conversation: "Download conversation",
    conversation_file: "conversation.txt",
    you: "You",
    launcher_open: "Open chat",
    launcher_unread: |n| if n == 1 { "Open chat, 1 unread message".into() } else { format!("Open chat, {n} unread messages") },
    rate_title: "How was this conversation?",
    rate_note: "Anything to add? (optional)",
    rate_good: "Good",
    rate_bad: "Bad",
    rate_sending: "Sending your rating…",
    rate_thanks: "Thanks for your feedback!",
    rate_failed: |reason| format!("Your rating was not sent: {reason}"),
    rate_region: "Rate this conversation",
    new_conversation: "Start a new conversation",
    cannot_start: |why| format!("This chat cannot start: {why}"),
    offline: "Cannot reach the chat service. Check your connection.",
    server_trouble: "The chat service is having trouble. Please try again.",
    unexpected: "The chat service answered in an unexpected way.",
    refused: |status| format!("The chat service refused this ({status})."),
};

pub static PT_BR: Texts = Texts {
    intro: "Olá! Conte quem é você e um atendente falará com você em instantes.",
    name: "Nome",
    email: "E-mail",
    phone: "Telefone",
    cpf: "CPF",
    department: "Departamento",
    required: " (obrigatório)",
    optional: " (opcional)",
    start: "Iniciar conversa",
    starting: "Iniciando…",
    missing_name: "Por favor, diga seu nome.",
    missing_email: "Por favor, informe seu e-mail.",
    missing_phone: "Por favor, informe seu telefone.",
    missing_cpf: "Por favor, informe seu CPF.",
    bad_email: "Este e-mail não parece certo (como nome@exemplo.com).",
    bad_phone: "O telefone precisa do DDD e de 8 ou 9 dígitos.",
    bad_cpf: "Este CPF não é válido: confira os dígitos.",
    choose_department: "Por favor, escolha um departamento da lista.",
    status_starting: "Iniciando a conversa…",
    status_waiting: "Conectando você a um atendente…",
    status_next: "Você é o próximo da fila.",
    status_in_line: |n| format!("Você é o número {n} da fila."),
    status_queued: "Você está na fila.",
    status_unavailable: "Nenhum atendente disponível agora. Deixe uma mensagem ou tente mais tarde.",
    status_agent_joined: "Um atendente entrou na conversa.",
    status_chatting_with: |name| format!("Você está conversando com {name}."),
    status_ended: "Esta conversa terminou.",
    status_reconnecting: "Reconectando…",
    line_agent_joined: "Um atendente entrou na conversa.",
    line_agent_ended: "O atendente encerrou a conversa.",
    line_visitor_ended: "Você encerrou a conversa.",
    line_unshowable: "O atendente enviou algo que este chat não consegue mostrar.",
    agent: "Atendente",
    sending: "Enviando…",
    not_sent: |reason| format!("Não enviada: {reason} "),
    retry: "Tentar de novo",
    agent_typing: "O atendente está digitando…",
    named_typing: |name| format!("{name} está digitando…"),
    write: "Escreva uma mensagem…",
    your_message: "Sua mensagem",
    send: "Enviar",
    messages: "Mensagens",
    download: "Baixar arquivo",
    end_chat: "Encerrar",
    end_question: "Encerrar esta conversa?",
    end_yes: "Sim, encerrar",
    end_no: "Cancelar",
    close: "Fechar o chat",
    verified: "✓ Você está conectado ao site: a equipe saberá que é você.",
    forget_device: "Esquecer este dispositivo",
    forget_question: "Esquecer o chat neste dispositivo? Suas conversas não aparecerão mais aqui.",
    forget_yes: "Sim, esquecer",
    save_conversation: "Baixar conversa",
    conversation_file: "conversa.txt",
    you: "Você",
    launcher_open: "Abrir o chat",
    launcher_unread: |n| if n == 1 { "Abrir o chat, 1 mensagem não lida".into() } else { format!("Abrir o chat, {n} mensagens não lidas") },
    rate_title: "Como foi esta conversa?",
    rate_note: "Algo a acrescentar? (opcional)",
    rate_good: "Boa",
    rate_bad: "Ruim",
    rate_sending: "Enviando sua avaliação…",
    rate_thanks: "Obrigado pela avaliação!",
    rate_failed: |reason| format!("Sua avaliação não foi enviada: {reason}"),
    rate_region: "Avalie esta conversa",
    new_conversation: "Iniciar uma nova conversa",
    cannot_start: |why| format!("Este chat não pode começar: {why}"),
    offline: "Não foi possível falar com o atendimento. Verifique sua conexão.",
    server_trouble: "O atendimento está com problemas. Tente de novo.",
    unexpected: "O atendimento respondeu de um jeito inesperado.",
    refused: |status| format!("O atendimento recusou isto ({status})."),
};

pub static ES: Texts = Texts {
    intro: "¡Hola! Cuéntanos quién eres y un agente te atenderá en breve.",
    name: "Nombre",
    email: "Correo electrónico",
    phone: "Teléfono",
    cpf: "CPF",
    department: "Departamento",
    required: " (obligatorio)",
    optional: " (opcional)",
    start: "Iniciar chat",
    starting: "Iniciando…",
    missing_name: "Por favor, dinos tu nombre.",
    missing_email: "Por favor, indica tu correo electrónico.",
    missing_phone: "Por favor, indica tu teléfono.",
    missing_cpf: "Por favor, indica tu CPF.",
    bad_email: "Este correo no parece correcto (como nombre@ejemplo.com).",
    bad_phone: "El teléfono necesita el código de área y 8 o 9 dígitos.",
    bad_cpf: "Este CPF no es válido: revisa sus dígitos.",
    choose_department: "Por favor, elige un departamento de la lista.",
    status_starting: "Iniciando la conversación…",
    status_waiting: "Conectándote con un agente…",
    status_next: "Eres el siguiente en la fila.",
    status_in_line: |n| format!("Eres el número {n} en la fila."),
    status_queued: "Estás en la fila.",
    status_unavailable: "No hay agentes disponibles ahora. Deja un mensaje o inténtalo más tarde.",
    status_agent_joined: "Un agente se unió a la conversación.",
    status_chatting_with: |name| format!("Estás conversando con {name}."),
    status_ended: "Esta conversación terminó.",
    status_reconnecting: "Reconectando…",
    line_agent_joined: "Un agente se unió a la conversación.",
    line_agent_ended: "El agente terminó la conversación.",
    line_visitor_ended: "Terminaste la conversación.",
    line_unshowable: "El agente envió algo que este chat no puede mostrar.",
    agent: "Agente",
    sending: "Enviando…",
    not_sent: |reason| format!("No enviado: {reason} "),
    retry: "Reintentar",
    agent_typing: "El agente está escribiendo…",
    named_typing: |name| format!("{name} está escribiendo…"),
    write: "Escribe un mensaje…",
    your_message: "Tu mensaje",
    send: "Enviar",
    messages: "Mensajes",
    download: "Descargar archivo",
    end_chat: "Terminar",
    end_question: "¿Terminar esta conversación?",
    end_yes: "Sí, terminar",
    end_no: "Cancelar",
    close: "Cerrar el chat",
    verified: "✓ Has iniciado sesión en el sitio: el equipo sabrá que eres tú.",
    forget_device: "Olvidar este dispositivo",
    forget_question: "¿Olvidar el chat en este dispositivo? Tus conversaciones ya no se mostrarán aquí.",
    forget_yes: "Sí, olvidar",
    save_conversation: "Descargar conversación",
    conversation_file: "conversacion.txt",
    you: "Tú",
    launcher_open: "Abrir el chat",
    launcher_unread: |n| if n == 1 { "Abrir el chat, 1 mensaje sin leer".into() } else { format!("Abrir el chat, {n} mensajes sin leer") },
    rate_title: "¿Cómo fue esta conversación?",
    rate_note: "¿Algo que añadir? (opcional)",
    rate_good: "Buena",
    rate_bad: "Mala",
    rate_sending: "Enviando tu valoración…",
    rate_thanks: "¡Gracias por tu valoración!",
    rate_failed: |reason| format!("Tu valoración no se envió: {reason}"),
    rate_region: "Valora esta conversación",
    new_conversation: "Iniciar una nueva conversación",
    cannot_start: |why| format!("Este chat no puede iniciar: {why}"),
    offline: "No se pudo contactar con el servicio de chat. Revisa tu conexión.",
    server_trouble: "El servicio de chat tiene problemas. Inténtalo de nuevo.",
    unexpected: "El servicio de chat respondió de forma inesperada.",
    refused: |status| format!("El servicio de chat rechazó esto ({status})."),
};

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(Lang::parse("pt-BR"), Some(Lang::PtBr));
        assert_eq!(Lang::parse("pt"), Some(Lang::PtBr));
        assert_eq!(Lang::parse("EN_us"), Some(Lang::En));
        assert_eq!(Lang::parse("es-419"), Some(Lang::Es));
        assert_eq!(Lang::parse("fr-FR"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn every_text_of_every_language_is_there() {
        for lang in [Lang::En, Lang::PtBr, Lang::Es] {
            let t = lang.texts();
            // Every plain text, by its field name.
            let shown = format!("{t:#?}");
            let plain: Vec<&str> = shown.lines().filter(|line| line.trim_end().ends_with("\",")).collect();
            assert!(plain.len() >= 50, "{lang:?}: {} plain texts seen", plain.len());
            for line in plain {
                assert!(!line.contains(": \"\","), "{lang:?}: an empty text: {line}");
            }
            // Every text made from a value.
            for made in [
                (t.status_in_line)(3),
                (t.status_chatting_with)("Ana"),
                (t.not_sent)("x"),
                (t.named_typing)("Ana"),
                (t.launcher_unread)(2),
                (t.rate_failed)("x"),
                (t.cannot_start)("x"),
                (t.refused)(500),
            ] {
                assert!(!made.trim().is_empty(), "{lang:?}");
            }
        }
    }

    #[test]
    fn every_language_says_every_thing() {
        for lang in [Lang::En, Lang::PtBr, Lang::Es] {
            let t = lang.texts();
            assert!(!t.intro.is_empty() && !t.rate_thanks.is_empty(), "{lang:?}");
            assert!((t.status_in_line)(3).contains('3'), "{lang:?}");
            assert!((t.status_chatting_with)("Ana").contains("Ana"), "{lang:?}");
            for text in [t.status_queued, t.line_unshowable, t.agent] {
                assert!(!text.trim().is_empty(), "{lang:?}");
            }
        }
        assert_ne!(Lang::PtBr.texts().line_unshowable, Lang::Es.texts().line_unshowable);
        assert_ne!(Lang::PtBr.texts().start, Lang::En.texts().start);
        assert_ne!(Lang::Es.texts().start, Lang::En.texts().start);
    }
}
