//! `media-container render SPEC INPUT OUTPUT`: one render of local files outside any job — the
//! `RenderSpec` as JSON in the file SPEC — with the same code and log a job's render has. For
//! benchmarks, and for looking into a render by hand.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use roughcut_shared::jobs::RenderSpec;

use crate::attempt::WorkDir;
use crate::config::Config;
use crate::control::Control;
use crate::halt::Halt;
use crate::render;
use crate::untrusted::UntrustedInput;

/// Runs the command; its exit status.
pub fn render(config: &Config, args: &[String]) -> i32 {
    let [spec, input, output] = args else {
        eprintln!("media-container: usage: media-container render SPEC.json INPUT OUTPUT");
        return 2;
    };
    let spec: RenderSpec = match fs::read(spec)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
    {
        Ok(spec) => spec,
        Err(err) => {
            eprintln!("media-container: {spec}: {err}");
            return 2;
        }
    };
    let control = Arc::new(Control::new("local", 1));
    let input = match UntrustedInput::sniff(Path::new(input)) {
        Ok(Some(input)) => input,
        Ok(None) => {
            eprintln!("media-container: {input}: not a media format we read");
            return 2;
        }
        Err(err) => {
            eprintln!("media-container: {input}: {err}");
            return 2;
        }
    };
    let rendered = WorkDir::create(&config.work_dir, &control).and_then(|work| {
        let path = render::render(&spec, &input, &work.path, config, &control)?;
        fs::copy(&path, output).map_err(|err| Halt::internal(&control, "cannot write the output", err))
    });
    match rendered {
        Ok(_) => {
            control.log("rendered");
            0
        }
        Err(halt) => {
            control.log(format_args!("render failed: {halt:?}"));
            1
        }
    }
}
