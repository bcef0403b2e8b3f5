//! SQL whose shape depends on the request: arguments bound at run time ([`Arg`],
//! [`crate::bind_args!`]) and the builder that numbers their placeholders ([`SqlBuf`]).

/// A dynamically bound argument, for queries whose shape depends on the request.
#[derive(Debug, Clone)]
pub enum Arg {
    /// A number.
    I64(i64),
    /// An optional number.
    OptI64(Option<i64>),
    /// A string.
    Str(String),
    /// An optional string.
    OptStr(Option<String>),
    /// A floating-point number.
    F64(f64),
}

/// Binds every [`Arg`] of `$args` onto the query `$q`, in order.
#[macro_export]
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::Arg::I64(v) => q.bind(v),
                $crate::Arg::OptI64(v) => q.bind(v),
                $crate::Arg::Str(v) => q.bind(v),
                $crate::Arg::OptStr(v) => q.bind(v),
                $crate::Arg::F64(v) => q.bind(v),
            };
        }
        q
    }};
}

/// `ids` as a comma-separated SQL list for `in (…)`: numbers only, so nothing to quote.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Builds SQL with placeholders while collecting the arguments in order.
///
/// Placeholders are written `$N` and turned into plain `?` for SQLite by [`SqlBuf::finish`]:
/// SQLite looks every `$N` name up in a list while parsing, which makes a statement with
/// thousands of parameters quadratic to prepare; `?` is simply the next parameter.
#[derive(Debug, Default)]
pub struct SqlBuf {
    /// The SQL so far.
    pub sql: String,
    /// The arguments so far.
    pub args: Vec<Arg>,
    marks: Vec<(usize, usize)>,
}

impl SqlBuf {
    /// Starts with `sql`.
    pub fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_string(),
            args: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// The SQL for the backend and the arguments, in binding order.
    pub fn finish(self, sqlite: bool) -> (String, Vec<Arg>) {
        if !sqlite {
            return (self.sql, self.args);
        }
        let mut out = String::with_capacity(self.sql.len());
        let mut at = 0;
        for (start, end) in &self.marks {
            out.push_str(&self.sql[at..*start]);
            out.push('?');
            at = *end;
        }
        out.push_str(&self.sql[at..]);
        (out, self.args)
    }

    /// Appends raw SQL.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let start = self.sql.len();
        self.sql.push('$');
        self.sql.push_str(&self.args.len().to_string());
        self.marks.push((start, self.sql.len()));
        self
    }
}
