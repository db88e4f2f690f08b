//! The visitor's files in the shell: the picked `File`s (the core only knows their handles), their
//! thumbnails (`blob:` addresses), and their uploads to the relay, over `XMLHttpRequest` for its
//! progress events (fetch has none for a request body). The upload carries the file as its raw
//! body with its name in `X-File-Name` and the message's idempotency key, so a retry of an upload
//! that did reach the relay gets the first one's answer (docs/design.md, the uploads route).

use std::cell::{Cell, RefCell};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{File, FileList, ProgressEvent, Url, XmlHttpRequest};
use yew::Callback;
use zchat_types::{paths, MessageType};

use crate::core::attachments::{Picked, Uploaded};
use crate::core::{Failure, Input, Session};
use crate::json;
use crate::texts::Texts;

/// An upload under way: its request and the listeners it needs alive until it ends.
struct Upload {
    key: String,
    request: XmlHttpRequest,
    _progress: Closure<dyn FnMut(ProgressEvent)>,
    _end: Closure<dyn FnMut(ProgressEvent)>,
}

#[derive(Default)]
pub struct Files {
    next: Cell<u32>,
    files: RefCell<Vec<(u32, File, Option<String>)>>,
    uploads: RefCell<Vec<Upload>>,
}

impl Files {
    /// Keeps the files of `list` and describes them for the core (with a thumbnail for images).
    pub fn pick(&self, list: &FileList) -> Vec<Picked> {
        (0..list.length())
            .filter_map(|n| list.get(n))
            .map(|file| {
                let id = self.next.get() + 1;
                self.next.set(id);
                let mime = file.type_();
                let preview = mime.starts_with("image/").then(|| Url::create_object_url_with_blob(&file).ok()).flatten();
                let picked = Picked { file: id, name: file.name(), size: file.size() as u64, mime, preview: preview.clone() };
                self.files.borrow_mut().push((id, file, preview));
                picked
            })
            .collect()
    }

    /// Lets go of a file (and its thumbnail).
    pub fn drop_file(&self, id: u32) {
        self.files.borrow_mut().retain(|(file, _, preview)| {
            if *file == id {
                if let Some(preview) = preview {
                    let _ = Url::revoke_object_url(preview);
                }
            }
            *file != id
        });
    }

    /// Uploads file `id` for `session` with idempotency key `key`: its progress and its end
    /// come back to `dispatch` as inputs.
    pub fn upload(&self, texts: &'static Texts, session: &Session, key: String, id: u32, dispatch: Callback<Input>) {
        let file = self.files.borrow().iter().find(|(file, ..)| *file == id).map(|(_, file, _)| file.clone());
        let offline = || Failure { message: texts.offline.into(), retryable: true };
        let (Some(file), Ok(request)) = (file, XmlHttpRequest::new()) else {
            dispatch.emit(Input::Uploaded { key, result: Err(offline()) });
            return;
        };
        let url =
            [&paths::for_interaction(paths::UPLOADS, &session.hash), "?token=", &String::from(js_sys::encode_uri_component(&session.credential))]
                .concat();
        let progress = {
            let (dispatch, key) = (dispatch.clone(), key.clone());
            Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
                dispatch.emit(Input::UploadProgress { key: key.clone(), sent: event.loaded() as u64 });
            })
        };
        let end = {
            let (request, key, dispatch) = (request.clone(), key.clone(), dispatch.clone());
            Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
                // An abort is the visitor's cancel: the core already forgot the file.
                if event.type_() != "abort" {
                    dispatch.emit(Input::Uploaded { key: key.clone(), result: answer(texts, &request) });
                }
            })
        };
        let started = request.open("POST", &url).is_ok()
            && request.set_request_header("X-File-Name", &String::from(js_sys::encode_uri_component(&file.name()))).is_ok()
            && request.set_request_header("Idempotency-Key", &key).is_ok();
        if let Some(upload) = request.upload().ok().filter(|_| started) {
            upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
            request.set_onloadend(Some(end.as_ref().unchecked_ref()));
            if request.send_with_opt_blob(Some(&file)).is_ok() {
                self.uploads.borrow_mut().retain(|upload| upload.key != key);
                self.uploads.borrow_mut().push(Upload { key, request, _progress: progress, _end: end });
                return;
            }
        }
        dispatch.emit(Input::Uploaded { key, result: Err(offline()) });
    }

    /// Stops the upload with key `key`.
    pub fn abort(&self, key: &str) {
        let upload = {
            let mut uploads = self.uploads.borrow_mut();
            uploads.iter().position(|upload| upload.key == key).map(|at| uploads.remove(at))
        };
        if let Some(upload) = upload {
            let _ = upload.request.abort();
        }
    }

    /// Forgets an upload that ended (its listeners go with it).
    pub fn ended(&self, key: &str) {
        self.uploads.borrow_mut().retain(|upload| upload.key != key);
    }
}

/// What an ended upload's request says: the file's kind and address, or why not in words.
fn answer(texts: &Texts, request: &XmlHttpRequest) -> Result<Uploaded, Failure> {
    let (status, body) = (request.status().unwrap_or(0), request.response_text().ok().flatten().unwrap_or_default());
    uploaded(&crate::api::verdict(texts, status, body)?).ok_or(Failure { message: texts.unexpected.into(), retryable: true })
}

/// The upload's answer (`zchat_types::Uploaded`): its `data.type` and `data.url`, read off the
/// parsed JSON (smaller in the wasm than a deserializer of its own).
fn uploaded(body: &str) -> Option<Uploaded> {
    let data = json::field(&json::parse_js(body)?, "data");
    let field = |name: &str| json::field(&data, name).as_string();
    let kind = match field("type")?.as_str() {
        "image" => MessageType::Image,
        "video" => MessageType::Video,
        "audio" => MessageType::Audio,
        "file" => MessageType::File,
        _ => return None,
    };
    Some(Uploaded { kind, url: field("url")? })
}
