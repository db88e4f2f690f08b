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

    /// The widget's language: the site's (`data-lang`), else the first of the browser's languages
    /// (`navigator.languages`, most preferred first) that is one of ours, else English. Any text
    /// at all may come in (`C`, `POSIX`, `en_US`, `x-foo`, empty, 100 letters): none is refused.
    pub fn choose<'a>(site: Option<&str>, browser: impl IntoIterator<Item = &'a str>) -> Lang {
        site.and_then(Lang::parse).or_else(|| browser.into_iter().find_map(Lang::parse)).unwrap_or_default()
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

/// A text with `{}` where values go, in order (one small function for every such text, where
/// a closure with `format!` each cost the wasm more: BENCHMARKS.md).
#[derive(Clone, Copy)]
#[cfg_attr(test, derive(Debug))]
pub struct Template(pub &'static str);

impl Template {
    /// The text with `value` in its place.
    pub fn with(self, value: &str) -> String {
        self.fill(&[value])
    }

    /// The text with `values` in their places, in order.
    pub fn fill(self, values: &[&str]) -> String {
        let mut text = String::with_capacity(self.0.len() + 32);
        let (mut rest, mut values) = (self.0, values.iter());
        // By the character, not the two-character pattern: a substring search is 0.5 KB of wasm.
        while let Some((piece, after)) = rest.split_once('{') {
            text.push_str(piece);
            text.push_str(values.next().copied().unwrap_or_default());
            rest = after.strip_prefix('}').unwrap_or(after);
        }
        text.push_str(rest);
        text
    }
}

/// The widget's texts in one language. Texts with a value are [`Template`]s.
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
    pub status_in_line: Template,
    /// In the queue, when zChat gives no position.
    pub status_queued: &'static str,
    /// No agent available: the visitor may leave a message, answered here (and at the contact
    /// they gave, with `_contact`).
    pub status_unavailable: &'static str,
    pub status_unavailable_contact: &'static str,
    /// The optional email or phone asked for when no agent is available; the message that
    /// carries it; what is said when it is neither.
    pub contact_ask: &'static str,
    pub contact_message: Template,
    pub bad_contact: &'static str,
    /// Outside business hours, with when the team is back (a weekday and a time, the visitor's):
    /// on the form, and as the launcher's label.
    pub away: Template,
    pub launcher_away: Template,
    /// The host page's title while the visitor looks away: one new message, several.
    pub title_one: &'static str,
    pub title_many: Template,
    /// The chime's switch in the window's menu (checked: it sounds).
    pub sound: &'static str,
    /// The browser notifications' switch in the window's menu (checked: on).
    pub notifications: &'static str,
    pub status_agent_joined: &'static str,
    pub status_chatting_with: Template,
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
    pub not_sent: Template,
    pub retry: &'static str,
    pub agent_typing: &'static str,
    pub named_typing: Template,
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
    /// The window's menu button.
    pub more: &'static str,
    /// The transcript's day separators.
    pub today: &'static str,
    pub yesterday: &'static str,
    /// Under the status while the visitor waits: what happens next.
    pub wait_next: &'static str,
    /// An agent's picture, as a button that shows it full size.
    pub open_image: &'static str,
    pub close_picture: &'static str,
    /// The picture viewer's name.
    pub picture: &'static str,
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
    pub launcher_unread_one: &'static str,
    pub launcher_unread: Template,
    pub rate_title: &'static str,
    pub rate_note: &'static str,
    pub rate_good: &'static str,
    pub rate_bad: &'static str,
    pub rate_sending: &'static str,
    pub rate_thanks: &'static str,
    pub rate_failed: Template,
    pub rate_region: &'static str,
    pub new_conversation: &'static str,
    pub cannot_start: Template,
    pub offline: &'static str,
    pub server_trouble: &'static str,
    pub unexpected: &'static str,
    pub refused: Template,
    /// The visitor's files: the attach button, the drop zone, the tray, uploads and refusals.
    pub attach: &'static str,
    pub drop_files: &'static str,
    pub caption: &'static str,
    pub remove: Template,
    pub cancel: &'static str,
    pub uploading: Template,
    pub too_large: Template,
    pub not_accepted: Template,
    pub empty_file: Template,
    pub too_many: Template,
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
    status_in_line: Template("You are number {} in line."),
    status_queued: "You are in line.",
    status_unavailable: "No agent is available right now. Leave a message and the team will answer here.",
    status_unavailable_contact: "No agent is available right now. Leave a message: the team will answer here or at the contact you gave.",
    contact_ask: "Your email or phone, so that the team can answer even if you leave (optional)",
    contact_message: Template("My contact: {}"),
    bad_contact: "Enter an email, or a phone number with its area code.",
    away: Template("We're away right now, back {} (your time). Leave a message and we'll answer."),
    launcher_away: Template("Open chat: we're back {}"),
    title_one: "(1) New message",
    title_many: Template("({}) New messages"),
    sound: "Sound",
    notifications: "Notifications",
    status_agent_joined: "An agent joined the conversation.",
    status_chatting_with: Template("You are chatting with {}."),
    status_ended: "This conversation has ended.",
    status_reconnecting: "Reconnecting…",
    line_agent_joined: "An agent joined the conversation.",
    line_agent_ended: "The agent ended the conversation.",
    line_visitor_ended: "You ended the conversation.",
    line_unshowable: "The agent sent something this chat cannot show.",
    agent: "Agent",
    sending: "Sending…",
    not_sent: Template("Not sent: {} "),
    retry: "Retry",
    agent_typing: "The agent is typing…",
    named_typing: Template("{} is typing…"),
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
    more: "More options",
    today: "Today",
    yesterday: "Yesterday",
    wait_next: "An agent will answer here. You can write now: they will read everything you send.",
    open_image: "Show the picture full size",
    close_picture: "Close the picture",
    picture: "Picture",
    verified: "✓ You are signed in to the site: the team will know it is you.",
    forget_device: "Forget this device",
    forget_question: "Forget this chat on this device? Your conversations will no longer show here.",
    forget_yes: "Yes, forget",
    save_conversation: "Download conversation",
    conversation_file: "conversation.txt",
    you: "You",
    launcher_open: "Open chat",
    launcher_unread_one: "Open chat, 1 unread message",
    launcher_unread: Template("Open chat, {} unread messages"),
    rate_title: "How was this conversation?",
    rate_note: "Anything to add? (optional)",
    rate_good: "Good",
    rate_bad: "Bad",
    rate_sending: "Sending your rating…",
    rate_thanks: "Thanks for your feedback!",
    rate_failed: Template("Your rating was not sent: {}"),
    rate_region: "Rate this conversation",
    new_conversation: "Start a new conversation",
    cannot_start: Template("This chat cannot start: {}"),
    offline: "Cannot reach the chat service. Check your connection.",
    server_trouble: "The chat service is having trouble. Please try again.",
    unexpected: "The chat service answered in an unexpected way.",
    refused: Template("The chat service refused this ({})."),
    attach: "Attach files",
    drop_files: "Drop files here to send them",
    caption: "Add a message (optional)…",
    remove: Template("Remove {}"),
    cancel: "Cancel",
    uploading: Template("Uploading… {}%"),
    too_large: Template("{} is too large: files can have up to {}."),
    not_accepted: Template("{} cannot be sent: only images, videos, audio, PDF, Office and text files can."),
    empty_file: Template("{} is empty."),
    too_many: Template("At most {} files at a time."),
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
    status_in_line: Template("Você é o número {} da fila."),
    status_queued: "Você está na fila.",
    status_unavailable: "Nenhum atendente disponível agora. Deixe uma mensagem e a equipe responderá aqui.",
    status_unavailable_contact: "Nenhum atendente disponível agora. Deixe uma mensagem: a equipe responderá aqui ou pelo contato que você deu.",
    contact_ask: "Seu e-mail ou telefone, para a equipe responder mesmo se você sair (opcional)",
    contact_message: Template("Meu contato: {}"),
    bad_contact: "Informe um e-mail, ou um telefone com DDD.",
    away: Template("Estamos fora agora, voltamos {} (seu horário). Deixe uma mensagem e responderemos."),
    launcher_away: Template("Abrir o chat: voltamos {}"),
    title_one: "(1) Nova mensagem",
    title_many: Template("({}) Novas mensagens"),
    sound: "Som",
    notifications: "Notificações",
    status_agent_joined: "Um atendente entrou na conversa.",
    status_chatting_with: Template("Você está conversando com {}."),
    status_ended: "Esta conversa terminou.",
    status_reconnecting: "Reconectando…",
    line_agent_joined: "Um atendente entrou na conversa.",
    line_agent_ended: "O atendente encerrou a conversa.",
    line_visitor_ended: "Você encerrou a conversa.",
    line_unshowable: "O atendente enviou algo que este chat não consegue mostrar.",
    agent: "Atendente",
    sending: "Enviando…",
    not_sent: Template("Não enviada: {} "),
    retry: "Tentar de novo",
    agent_typing: "O atendente está digitando…",
    named_typing: Template("{} está digitando…"),
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
    more: "Mais opções",
    today: "Hoje",
    yesterday: "Ontem",
    wait_next: "Um atendente vai responder aqui. Você já pode escrever: tudo o que você enviar será lido.",
    open_image: "Ver a imagem em tamanho real",
    close_picture: "Fechar a imagem",
    picture: "Imagem",
    verified: "✓ Você está conectado ao site: a equipe saberá que é você.",
    forget_device: "Esquecer este dispositivo",
    forget_question: "Esquecer o chat neste dispositivo? Suas conversas não aparecerão mais aqui.",
    forget_yes: "Sim, esquecer",
    save_conversation: "Baixar conversa",
    conversation_file: "conversa.txt",
    you: "Você",
    launcher_open: "Abrir o chat",
    launcher_unread_one: "Abrir o chat, 1 mensagem não lida",
    launcher_unread: Template("Abrir o chat, {} mensagens não lidas"),
    rate_title: "Como foi esta conversa?",
    rate_note: "Algo a acrescentar? (opcional)",
    rate_good: "Boa",
    rate_bad: "Ruim",
    rate_sending: "Enviando sua avaliação…",
    rate_thanks: "Obrigado pela avaliação!",
    rate_failed: Template("Sua avaliação não foi enviada: {}"),
    rate_region: "Avalie esta conversa",
    new_conversation: "Iniciar uma nova conversa",
    cannot_start: Template("Este chat não pode começar: {}"),
    offline: "Não foi possível falar com o atendimento. Verifique sua conexão.",
    server_trouble: "O atendimento está com problemas. Tente de novo.",
    unexpected: "O atendimento respondeu de um jeito inesperado.",
    refused: Template("O atendimento recusou isto ({})."),
    attach: "Anexar arquivos",
    drop_files: "Solte os arquivos aqui para enviá-los",
    caption: "Adicione uma mensagem (opcional)…",
    remove: Template("Remover {}"),
    cancel: "Cancelar",
    uploading: Template("Enviando arquivo… {}%"),
    too_large: Template("{} é grande demais: os arquivos podem ter até {}."),
    not_accepted: Template("{} não pode ser enviado: só imagens, vídeos, áudios, PDF, Office e textos."),
    empty_file: Template("{} está vazio."),
    too_many: Template("No máximo {} arquivos de cada vez."),
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
    status_in_line: Template("Eres el número {} en la fila."),
    status_queued: "Estás en la fila.",
    status_unavailable: "No hay agentes disponibles ahora. Deja un mensaje y el equipo responderá aquí.",
    status_unavailable_contact: "No hay agentes disponibles ahora. Deja un mensaje: el equipo responderá aquí o por el contacto que diste.",
    contact_ask: "Tu email o teléfono, para que el equipo responda aunque te vayas (opcional)",
    contact_message: Template("Mi contacto: {}"),
    bad_contact: "Escribe un email, o un teléfono con su código de área.",
    away: Template("Ahora no estamos, volvemos {} (tu hora). Deja un mensaje y te responderemos."),
    launcher_away: Template("Abrir el chat: volvemos {}"),
    title_one: "(1) Nuevo mensaje",
    title_many: Template("({}) Nuevos mensajes"),
    sound: "Sonido",
    notifications: "Notificaciones",
    status_agent_joined: "Un agente se unió a la conversación.",
    status_chatting_with: Template("Estás conversando con {}."),
    status_ended: "Esta conversación terminó.",
    status_reconnecting: "Reconectando…",
    line_agent_joined: "Un agente se unió a la conversación.",
    line_agent_ended: "El agente terminó la conversación.",
    line_visitor_ended: "Terminaste la conversación.",
    line_unshowable: "El agente envió algo que este chat no puede mostrar.",
    agent: "Agente",
    sending: "Enviando…",
    not_sent: Template("No enviado: {} "),
    retry: "Reintentar",
    agent_typing: "El agente está escribiendo…",
    named_typing: Template("{} está escribiendo…"),
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
    more: "Más opciones",
    today: "Hoy",
    yesterday: "Ayer",
    wait_next: "Un agente responderá aquí. Ya puedes escribir: se leerá todo lo que envíes.",
    open_image: "Ver la imagen en tamaño real",
    close_picture: "Cerrar la imagen",
    picture: "Imagen",
    verified: "✓ Has iniciado sesión en el sitio: el equipo sabrá que eres tú.",
    forget_device: "Olvidar este dispositivo",
    forget_question: "¿Olvidar el chat en este dispositivo? Tus conversaciones ya no se mostrarán aquí.",
    forget_yes: "Sí, olvidar",
    save_conversation: "Descargar conversación",
    conversation_file: "conversacion.txt",
    you: "Tú",
    launcher_open: "Abrir el chat",
    launcher_unread_one: "Abrir el chat, 1 mensaje sin leer",
    launcher_unread: Template("Abrir el chat, {} mensajes sin leer"),
    rate_title: "¿Cómo fue esta conversación?",
    rate_note: "¿Algo que añadir? (opcional)",
    rate_good: "Buena",
    rate_bad: "Mala",
    rate_sending: "Enviando tu valoración…",
    rate_thanks: "¡Gracias por tu valoración!",
    rate_failed: Template("Tu valoración no se envió: {}"),
    rate_region: "Valora esta conversación",
    new_conversation: "Iniciar una nueva conversación",
    cannot_start: Template("Este chat no puede iniciar: {}"),
    offline: "No se pudo contactar con el servicio de chat. Revisa tu conexión.",
    server_trouble: "El servicio de chat tiene problemas. Inténtalo de nuevo.",
    unexpected: "El servicio de chat respondió de forma inesperada.",
    refused: Template("El servicio de chat rechazó esto ({})."),
    attach: "Adjuntar archivos",
    drop_files: "Suelta los archivos aquí para enviarlos",
    caption: "Añade un mensaje (opcional)…",
    remove: Template("Quitar {}"),
    cancel: "Cancelar",
    uploading: Template("Subiendo archivo… {}%"),
    too_large: Template("{} es demasiado grande: los archivos pueden tener hasta {}."),
    not_accepted: Template("{} no se puede enviar: solo imágenes, vídeos, audios, PDF, Office y textos."),
    empty_file: Template("{} está vacío."),
    too_many: Template("Como máximo {} archivos a la vez."),
};

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn templates_take_their_values_in_order() {
        assert_eq!(Template("{} is too large: up to {}.").fill(&["a.pdf", "10 MB"]), "a.pdf is too large: up to 10 MB.");
        assert_eq!(Template("no value").with("x"), "no value");
        assert_eq!(Template("{}{}").fill(&["only one"]), "only one");
    }

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
                t.status_in_line,
                t.status_chatting_with,
                t.not_sent,
                t.named_typing,
                t.launcher_unread,
                t.rate_failed,
                t.cannot_start,
                t.refused,
                t.remove,
                t.uploading,
                t.not_accepted,
                t.empty_file,
                t.too_many,
                t.contact_message,
                t.away,
                t.launcher_away,
                t.title_many,
            ] {
                assert_eq!(made.0.matches("{}").count(), 1, "{lang:?}: {made:?}");
                assert!(made.with("VALUE").contains("VALUE") && !made.with("VALUE").contains("{}"), "{lang:?}");
            }
            assert_eq!(t.too_large.0.matches("{}").count(), 2, "{lang:?}");
        }
    }

    #[test]
    fn every_language_says_every_thing() {
        for lang in [Lang::En, Lang::PtBr, Lang::Es] {
            let t = lang.texts();
            assert!(!t.intro.is_empty() && !t.rate_thanks.is_empty(), "{lang:?}");
            assert!(t.status_in_line.with("3").contains('3'), "{lang:?}");
            assert!(t.status_chatting_with.with("Ana").contains("Ana"), "{lang:?}");
            for text in [t.status_queued, t.line_unshowable, t.agent] {
                assert!(!text.trim().is_empty(), "{lang:?}");
            }
        }
        assert_ne!(Lang::PtBr.texts().line_unshowable, Lang::Es.texts().line_unshowable);
        assert_ne!(Lang::PtBr.texts().start, Lang::En.texts().start);
        assert_ne!(Lang::Es.texts().start, Lang::En.texts().start);
    }

    #[test]
    fn any_language_tag_chooses_one_of_the_widgets() {
        // Whatever a browser or a site says (WebKit with `LANG=C` says `C`).
        let long = "a".repeat(100);
        let table: [(Option<&str>, &[&str], Lang); 14] = [
            (None, &["C"], Lang::En),
            (None, &["POSIX"], Lang::En),
            (None, &[""], Lang::En),
            (None, &["en_US"], Lang::En),
            (None, &["pt-br"], Lang::PtBr),
            (None, &["zh-Hant-TW", "es-419"], Lang::Es),
            (None, &[long.as_str()], Lang::En),
            (None, &["x-foo", "pt_BR"], Lang::PtBr),
            (None, &[], Lang::En),
            (Some("C"), &["es"], Lang::Es),
            (Some("fr"), &["C"], Lang::En),
            (Some("pt-BR"), &["es"], Lang::PtBr),
            (Some(long.as_str()), &["pt"], Lang::PtBr),
            (Some(""), &[""], Lang::En),
        ];
        for (site, browser, chosen) in table {
            assert_eq!(Lang::choose(site, browser.iter().copied()), chosen, "site {site:?}, browser {browser:?}");
        }
    }
}
