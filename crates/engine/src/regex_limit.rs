//! Regular expressions whose matching would need more memory than any query should.
//!
//! DataFusion's `regexp_*` functions compile their patterns with the `regex` crate, whose
//! size limit bounds the compiled program but not what matching with capture groups needs:
//! a table of one slot per capture group for each state of the program. `(a*)*` repeated
//! 10,000 times compiles, and matching it against a long text asks for 10 GB (and aborts
//! the process when the machine has less). These wrappers estimate that table for every
//! pattern before DataFusion's function sees it, and refuse the pattern when it is too
//! large.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::AsArray;
use arrow::datatypes::{DataType, FieldRef};
use datafusion::common::DFSchema;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::expr::BinaryExpr;
use datafusion::logical_expr::expr_rewriter::FunctionRewrite;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, Operator, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, lit,
};
use regex_automata::nfa::thompson;

use crate::error::EngineError;

/// The most memory matching one regular expression may need (per thread that matches it).
pub const MAX_REGEX_MEMORY: usize = 256 << 20;

/// The regex crate's own limit on a compiled program (its default).
const NFA_SIZE_LIMIT: usize = 10 << 20;

/// The regular-expression functions, and the position of their `flags` argument.
const FUNCTIONS: [(&str, usize); 5] = [
    ("regexp_like", 2),
    ("regexp_match", 2),
    ("regexp_replace", 3),
    ("regexp_count", 3),
    ("regexp_instr", 4),
];

/// Replaces DataFusion's regular-expression functions in `ctx` by bounded ones, and has
/// the operators `~`, `~*`, `!~`, `!~*` call the bounded `regexp_like`.
pub(crate) fn register(ctx: &SessionContext) {
    for (name, flags) in FUNCTIONS {
        if let Ok(inner) = ctx.udf(name) {
            let udf = Arc::new(ScalarUDF::new_from_impl(Bounded { inner, flags }));
            if name == "regexp_like" {
                let rewrite = Arc::new(OperatorsToLike(Arc::clone(&udf)));
                let _ = ctx.state_ref().write().register_function_rewrite(rewrite);
            }
            ctx.register_udf(Arc::unwrap_or_clone(udf));
        }
    }
}

/// `a ~ b` as `regexp_like(a, b)`, `a !~* b` as `not regexp_like(a, b, 'i')`, ...
#[derive(Debug)]
struct OperatorsToLike(Arc<ScalarUDF>);

impl FunctionRewrite for OperatorsToLike {
    fn name(&self) -> &str {
        "bounded_regex_operators"
    }

    fn rewrite(
        &self,
        expr: Expr,
        _schema: &DFSchema,
        _config: &ConfigOptions,
    ) -> Result<Transformed<Expr>> {
        let Expr::BinaryExpr(BinaryExpr { left, op, right }) = expr else {
            return Ok(Transformed::no(expr));
        };
        let (insensitive, negated) = match op {
            Operator::RegexMatch => (false, false),
            Operator::RegexIMatch => (true, false),
            Operator::RegexNotMatch => (false, true),
            Operator::RegexNotIMatch => (true, true),
            _ => {
                return Ok(Transformed::no(Expr::BinaryExpr(BinaryExpr {
                    left,
                    op,
                    right,
                })));
            }
        };
        let mut args = vec![*left, *right];
        if insensitive {
            args.push(lit("i"));
        }
        let call = self.0.call(args);
        Ok(Transformed::yes(if negated { !call } else { call }))
    }
}

/// A regular-expression function that checks its patterns first.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Bounded {
    inner: Arc<ScalarUDF>,
    /// The position of the `flags` argument.
    flags: usize,
}

impl ScalarUDFImpl for Bounded {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if let Some(patterns) = args.args.get(1) {
            check_patterns(patterns, args.args.get(self.flags))?;
        }
        self.inner.invoke_with_args(args)
    }
}

/// The distinct texts of a string argument (nulls left out); `None` if it is not text.
fn texts(value: &ColumnarValue) -> Option<HashSet<String>> {
    match value {
        ColumnarValue::Scalar(scalar) => match scalar.try_as_str()? {
            Some(s) => Some(HashSet::from([s.to_owned()])),
            None => Some(HashSet::new()),
        },
        ColumnarValue::Array(array) => {
            let strings = arrow::compute::cast(array, &DataType::Utf8).ok()?;
            let strings = strings.as_string_opt::<i32>()?;
            Some(strings.iter().flatten().map(str::to_owned).collect())
        }
    }
}

fn check_patterns(patterns: &ColumnarValue, flags: Option<&ColumnarValue>) -> Result<()> {
    let Some(patterns) = texts(patterns) else {
        return Ok(());
    };
    let mut all_flags = flags.and_then(texts).unwrap_or_default();
    if all_flags.is_empty() {
        all_flags.insert(String::new());
    }
    for pattern in &patterns {
        for flags in &all_flags {
            check(pattern, flags)?;
        }
    }
    Ok(())
}

/// Refuses `pattern` (with `flags`, as DataFusion prefixes them) if matching it could need
/// more than [`MAX_REGEX_MEMORY`].
fn check(pattern: &str, flags: &str) -> Result<()> {
    let full = if flags.is_empty() {
        pattern.to_owned()
    } else {
        format!("(?{flags}){pattern}")
    };
    // A pattern that does not compile is left to DataFusion, which reports why.
    let Ok(nfa) = thompson::Compiler::new()
        .configure(thompson::Config::new().nfa_size_limit(Some(NFA_SIZE_LIMIT)))
        .build(&full)
    else {
        return Ok(());
    };
    // Two tables (the current and the next step) of one slot (8 bytes) per capture slot
    // for each state.
    let needed = nfa
        .states()
        .len()
        .saturating_mul(nfa.group_info().slot_len())
        .saturating_mul(16);
    if needed <= MAX_REGEX_MEMORY {
        return Ok(());
    }
    let shown: String = pattern.chars().take(40).collect();
    let more = if pattern.chars().count() > 40 {
        "…"
    } else {
        ""
    };
    Err(DataFusionError::External(Box::new(EngineError::Query {
        message: format!(
            "the regular expression `{shown}{more}` would need about {} to match ({} capture groups); the limit is {}",
            crate::limits::format_bytes(needed),
            nfa.group_info().all_group_len().saturating_sub(1),
            crate::limits::format_bytes(MAX_REGEX_MEMORY),
        ),
        help: Some("use fewer capture groups: `(?:...)` groups without capturing".to_owned()),
    })))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn ordinary_patterns_pass_and_huge_capture_tables_are_refused() {
        assert!(check(r"^arn:aws:iam::(\d{12}):role/(.*)$", "").is_ok());
        assert!(check(r"(?P<service>[a-z0-9-]+):(?P<action>\w+)", "i").is_ok());
        let bomb = "(a*)*".repeat(10_000);
        let err = check(&bomb, "").unwrap_err().to_string();
        assert!(err.contains("capture groups"), "{err}");
        assert!(check(&"(?:a*)*".repeat(10_000), "").is_ok());
    }
}
