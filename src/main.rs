//! The frame page's entry point (built by Trunk).

fn main() {
    yew::Renderer::<zchat_widget::app::App>::new().render();
}
