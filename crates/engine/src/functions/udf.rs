//! A scalar function given by its name, signature and a kernel over whole arrays.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

/// Computes a function's result for `rows` rows.
pub(super) type Kernel = dyn Fn(&[ColumnarValue], usize) -> Result<ArrayRef> + Send + Sync;

/// A scalar function over text arguments.
pub(super) struct Udf {
    name: String,
    aliases: Vec<String>,
    signature: Signature,
    return_type: DataType,
    kernel: Arc<Kernel>,
}

impl std::fmt::Debug for Udf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Udf").field("name", &self.name).finish()
    }
}

impl PartialEq for Udf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.signature == other.signature
            && Arc::ptr_eq(&self.kernel, &other.kernel)
    }
}

impl Eq for Udf {}

impl Hash for Udf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.signature.hash(state);
    }
}

impl Udf {
    /// A function taking text arguments, in any of the counts `arities`.
    pub(super) fn text(
        name: impl Into<String>,
        arities: &[usize],
        return_type: DataType,
        kernel: Arc<Kernel>,
    ) -> ScalarUDF {
        Self::aliased(name, Vec::new(), arities, return_type, kernel)
    }

    /// [`Udf::text`], also callable by the names `aliases`.
    pub(super) fn aliased(
        name: impl Into<String>,
        aliases: Vec<String>,
        arities: &[usize],
        return_type: DataType,
        kernel: Arc<Kernel>,
    ) -> ScalarUDF {
        let variants = arities
            .iter()
            .map(|&n| TypeSignature::Exact(vec![DataType::Utf8; n]))
            .collect();
        ScalarUDF::new_from_impl(Self {
            name: name.into(),
            aliases,
            signature: Signature::one_of(variants, Volatility::Immutable),
            return_type,
            kernel,
        })
    }
}

impl ScalarUDFImpl for Udf {
    fn name(&self) -> &str {
        &self.name
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.return_type.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let out = (self.kernel)(&args.args, args.number_rows)?;
        Ok(ColumnarValue::Array(out))
    }
}

/// Argument `index` as text, one value per row.
pub(super) fn text_arg(
    name: &str,
    args: &[ColumnarValue],
    index: usize,
    rows: usize,
) -> Result<StringArray> {
    let arg = args.get(index).ok_or_else(|| {
        DataFusionError::Plan(format!("{name} takes at least {} arguments", index + 1))
    })?;
    let array = arg.to_array(rows)?;
    let array = arrow::compute::cast(&array, &DataType::Utf8)?;
    array
        .as_string_opt::<i32>()
        .cloned()
        .ok_or_else(|| DataFusionError::Plan(format!("{name} takes text arguments")))
}

/// The value of row `row`, or `None` for null.
pub(super) fn at(array: &StringArray, row: usize) -> Option<&str> {
    (!array.is_null(row)).then(|| array.value(row))
}
