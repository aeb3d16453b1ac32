//! End-to-end tests against the real local stack: `wrangler dev --local` (workerd with local D1
//! and R2) and the media container process, started once for the whole run on free ports with a
//! fresh state directory, driven over HTTP, and stopped afterwards whatever the tests did.

mod accounts_and_keys;
mod app;
mod assets;
mod credits;
mod cuts;
mod pipelines;
mod processing;
mod projects;
mod protocol;
mod renders;
mod sdk;
mod transcription;
mod uploads;
mod webhooks;

use std::sync::{Arc, RwLock};

use libtest_mimic::{Arguments, Failed, Trial};

use roughcut_tests::stack::Stack;

/// One end-to-end test: a name and a function of the running stack.
pub type Test = (&'static str, fn(&Stack));

fn main() {
    let args = Arguments::from_args();
    let tests: Vec<Test> = [
        protocol::tests(),
        accounts_and_keys::tests(),
        projects::tests(),
        credits::tests(),
        assets::tests(),
        uploads::tests(),
        processing::tests(),
        cuts::tests(),
        renders::tests(),
        pipelines::tests(),
        webhooks::tests(),
        sdk::tests(),
        app::tests(),
    ]
    .into_iter()
    .flatten()
    .collect();
    // Tests run in parallel on the shared stack; those that restart parts of it run alone.
    let tests: Vec<(Test, bool)> = tests
        .into_iter()
        .map(|test| (test, false))
        .chain(
            uploads::exclusive_tests()
                .into_iter()
                .chain(processing::exclusive_tests())
                .chain(renders::exclusive_tests())
                .chain(transcription::exclusive_tests())
                .chain(protocol::exclusive_tests())
                .chain(pipelines::exclusive_tests())
                .map(|test| (test, true)),
        )
        .collect();

    let wanted = tests.iter().any(|((name, _), _)| args.filter.as_deref().is_none_or(|f| name.contains(f)));
    let stack = if wanted && !args.list {
        match Stack::start() {
            Ok(stack) => Some(Arc::new(stack)),
            Err(message) => {
                eprintln!("e2e: could not start the stack: {message}");
                std::process::exit(1);
            }
        }
    } else {
        None
    };

    let alone: Arc<RwLock<()>> = Arc::default();
    let trials = tests
        .into_iter()
        .map(|((name, test), exclusive)| {
            let stack = stack.clone();
            let alone = alone.clone();
            Trial::test(name, move || match &stack {
                Some(stack) => {
                    let _turn = if exclusive {
                        (None, Some(alone.write().unwrap_or_else(|poisoned| poisoned.into_inner())))
                    } else {
                        (Some(alone.read().unwrap_or_else(|poisoned| poisoned.into_inner())), None)
                    };
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(stack))).map_err(|panic| {
                        let message = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()));
                        let message = message.unwrap_or_else(|| "panicked".to_owned());
                        Failed::from(format!("{message}\n{}", stack.post_mortem("wrangler")))
                    })
                }
                None => Err(Failed::from("stack not started")),
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    // Stop the stack before exiting; `exit` would skip its Drop.
    drop(stack);
    conclusion.exit();
}
