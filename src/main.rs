//! The frame page's entry point (built by Trunk).

// Talc instead of Rust's default dlmalloc: made for WebAssembly, smaller (−2.3 KB brotli of the
// wasm, BENCHMARKS.md) and faster.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    yew::Renderer::<zchat_widget::app::App>::new().render();
}
