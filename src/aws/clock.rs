//! STS's clock, from the `Date` header of its answer.

use std::time::SystemTime;

/// Keeps the `Date` header of the answer (for the clock check of `doctor`).
#[derive(Debug)]
pub(super) struct DateHeader(pub(super) std::sync::Arc<std::sync::Mutex<Option<SystemTime>>>);

impl aws_smithy_runtime_api::client::interceptors::Intercept for DateHeader {
    fn name(&self) -> &'static str {
        "DateHeader"
    }

    fn read_before_deserialization(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _config: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let date = context
            .response()
            .headers()
            .get("date")
            .and_then(|d| {
                aws_smithy_types::DateTime::from_str(
                    d,
                    aws_smithy_types::date_time::Format::HttpDate,
                )
                .ok()
            })
            .and_then(|d| SystemTime::try_from(d).ok());
        if let Ok(mut slot) = self.0.lock() {
            *slot = date;
        }
        Ok(())
    }
}
