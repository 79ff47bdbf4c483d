using System.Globalization;
using System.Text;

namespace StepOperator.Fuzz;

/// <summary>
/// Builds variant <c>index</c> of run <c>seed</c>: a source file with one or more [ModalStep]/[Step]
/// methods and what the rules expect of each. The same (seed, index) always gives the same variant.
/// </summary>
internal static class VariantGenerator
{
    private static readonly string[] MethodNames =
    {
        "Train", "Evaluate", "Run", "Load", "Process", "@class", "@event", "Ünïcödé", "步骤", "_", "__x", "nameof", "var", "async",
        "await", "get", "value", "Main", "Execute", "Step", "ModalStep", "Invoke", "ToString", "Equals", "GetHashCode",
    };

    private static readonly string[] ParameterNames =
    {
        "x", "value", "data", "@class", "@event", "invocation", "cancellationToken", "result", "größe", "_", "@int", "a1", "seed",
        "input", "Submit", "args", "ct", "@this", "model", "name",
    };

    private static readonly string[] OddTypeNames = { "@class", "@event", "Submit", "_", "Ünïcödé", "@string", "@object", "Steps", "Run" };

    /// <summary>Variant <paramref name="index"/> of <paramref name="seed"/>: its spec, rendered.</summary>
    public static Variant Create(int seed, int index) => VariantSpec.Generate(seed, index).Render();

    public static string Unique(int index, int site) => index.ToString(CultureInfo.InvariantCulture) + (char)('a' + site);

    /// <summary>A method marked as a step: a plain shape most of the time, odd ones otherwise.</summary>
    public static ShapeSpec Shape(FuzzRandom r, string token, string? typeName = null, bool plain = false)
    {
        var form = plain ? MethodForm.Ordinary : r.Weighted(
            (84, MethodForm.Ordinary), (3, MethodForm.PartialSplit), (2, MethodForm.Extern), (2, MethodForm.LocalFunction), (2, MethodForm.Lambda),
            (2, MethodForm.Accessor), (2, MethodForm.Operator), (1, MethodForm.Finalizer), (2, MethodForm.ExplicitImplementation));
        var odd = !plain && r.Chance(0.35);

        // The method first: static or not decides which containers can hold it.
        var needsInstanceType = form is MethodForm.Operator or MethodForm.Finalizer or MethodForm.ExplicitImplementation;
        var isStatic = form switch
        {
            MethodForm.Operator => true,
            MethodForm.Finalizer or MethodForm.ExplicitImplementation => false,
            MethodForm.PartialSplit or MethodForm.LocalFunction or MethodForm.Lambda or MethodForm.Accessor => true,
            _ => !odd || r.Chance(0.6),
        };

        var containers = new List<ContainerSpec>();
        var nested = odd && r.Chance(0.35);
        if (nested)
        {
            var outerKind = r.Weighted((70, "class"), (10, "struct"), (10, "record"), (10, "interface"));
            var outerStatic = outerKind == "class" && r.Chance(0.5);
            containers.Add(new ContainerSpec
            {
                Name = "O" + token,
                Kind = outerKind,
                Static = outerStatic,
                Partial = !r.Chance(0.08),
                Generic = r.Chance(0.05),
                Access = r.Weighted((80, "public"), (20, "internal")),
            });
        }

        var outer = nested ? containers[0] : null;
        var innerKind = form switch
        {
            MethodForm.Finalizer => r.Pick("class", "record"),
            MethodForm.Operator or MethodForm.ExplicitImplementation => r.Pick("class", "struct", "record", "record struct", "readonly struct"),
            MethodForm.PartialSplit or MethodForm.Extern => r.Pick("class", "class", "struct", "record"),
            _ when !odd => "class",
            _ => r.Weighted((60, "class"), (8, "struct"), (7, "record"), (6, "record struct"), (6, "interface"), (5, "readonly struct"), (4, "ref struct")),
        };
        if (form == MethodForm.Extern && innerKind == "interface")
        {
            innerKind = "class";
        }

        var canBeStatic = innerKind == "class" && isStatic && !needsInstanceType;
        var innerStatic = canBeStatic && (!odd || r.Chance(0.5));
        var canProtectedInOuter = outer is { IsClassLike: true, Static: false };
        var innerAccess = outer is null
            ? (odd ? r.Weighted((75, "public"), (20, "internal"), (5, "file")) : "public")
            : canProtectedInOuter
                ? r.Weighted((50, "public"), (15, "internal"), (8, "protected internal"), (9, "private"), (9, "protected"), (9, "private protected"))
                : r.Weighted((65, "public"), (20, "internal"), (15, "private"));
        if (innerAccess == "file" && form == MethodForm.ExplicitImplementation)
        {
            innerAccess = "public";
        }

        var innerIsClassLike = innerKind is "class" or "record";
        var isAbstract = odd && innerIsClassLike && !innerStatic && !needsInstanceType && r.Chance(0.06);
        var primary = odd && innerKind == "record" && form != MethodForm.Operator && r.Chance(0.2);
        string? constructor = null;
        if (odd && innerIsClassLike && !innerStatic && !primary && r.Chance(0.3))
        {
            constructor = r.Pick("public", "internal", "protected internal", "private", "protected", "private protected", "params");
        }

        containers.Add(new ContainerSpec
        {
            Name = typeName ?? "V" + token,
            Kind = innerKind,
            Static = innerStatic,
            Abstract = isAbstract,
            Partial = form == MethodForm.PartialSplit || !(odd && r.Chance(0.08)),
            Generic = odd && form != MethodForm.ExplicitImplementation && r.Chance(0.05),
            Access = innerAccess,
            Constructor = constructor,
            PrimaryConstructor = primary,
            BaseList = form == MethodForm.ExplicitImplementation ? "I" + ShapeSpec.Plain(typeName ?? "V" + token) : null,
            SubmitMember = odd && form is MethodForm.Ordinary && innerKind != "interface" && typeName != "Submit" && r.Chance(0.04)
                ? r.Pick("public static void Submit(string job) { }", "internal const int Submit = 1;", "public class Submit { }", "private static int Submit => 1;")
                : null,
        });

        // The method's accessibility must be one its type allows.
        var innerCanProtect = innerIsClassLike && !innerStatic;
        var access = !odd || form is not (MethodForm.Ordinary or MethodForm.Extern or MethodForm.PartialSplit)
            ? "public"
            : innerCanProtect
                ? r.Weighted((62, "public"), (12, "internal"), (5, "protected internal"), (7, "private"), (7, "protected"), (7, "private protected"))
                : r.Weighted((70, "public"), (18, "internal"), (12, "private"));

        var generic = odd && form is MethodForm.Ordinary or MethodForm.Extern && r.Chance(0.06);
        var parameters = new List<ParameterSpec>();
        var names = ParameterNames.ToList();
        r.Shuffle(names);
        var parameterCount = form is MethodForm.Ordinary or MethodForm.Extern or MethodForm.PartialSplit or MethodForm.LocalFunction
            ? r.Weighted((15, 0), (45, 1), (25, 2), (10, 3), (5, 5))
            : 0;
        for (var i = 0; i < parameterCount; i++)
        {
            var type = generic && r.Chance(0.3)
                ? TypeOptions.TypeParameter
                : odd && r.Chance(0.5) ? r.Pick(TypeOptions.Parameters) : r.Pick(TypeOptions.Parameters.Where(t => t.ExpectedId is null).ToArray());
            var modifier = odd && r.Chance(0.12) ? r.Pick("ref", "out", "in", "ref readonly") : string.Empty;
            if (type.Text.StartsWith("delegate*", StringComparison.Ordinal) && modifier.Length > 0)
            {
                modifier = string.Empty;
            }

            if (modifier.Length == 0 && i == parameterCount - 1 && type.Text.EndsWith("[]", StringComparison.Ordinal) && r.Chance(0.2))
            {
                modifier = "params";
            }

            parameters.Add(new ParameterSpec(names[i], type, modifier));
        }

        var returns = generic && r.Chance(0.3)
            ? TypeOptions.TypeParameter
            : odd && r.Chance(0.5) ? r.Pick(TypeOptions.Returns) : r.Pick(TypeOptions.Returns.Where(t => t.ExpectedId is null).ToArray());
        if (form is not (MethodForm.Ordinary or MethodForm.Extern or MethodForm.PartialSplit or MethodForm.LocalFunction))
        {
            returns = new TypeOption("int", null);
        }

        var refLike = parameters.Any(p => p.Modifier is "ref" or "out" or "in" or "ref readonly" || p.Type.ByRefLike);
        var isAsync = form == MethodForm.Ordinary && returns.TaskLike && !refLike && !returns.Unsafe && parameters.All(p => !p.Type.Unsafe) &&
            r.Chance(returns.Text == "void" ? 0.2 : 0.4);

        var name = form switch
        {
            MethodForm.Accessor => "P" + token,
            MethodForm.Operator => "op_Addition",
            MethodForm.Finalizer => "Finalize",
            MethodForm.ExplicitImplementation => "Run",
            _ => r.Chance(0.6) ? "M" + token : r.Chance(0.06) ? "Submit" : r.Pick(MethodNames),
        };
        if ((name is "Main" && (isAsync || parameters.Count > 0)) ||
            ShapeSpec.Plain(name) == ShapeSpec.Plain(containers[^1].Name) ||
            (name == "Submit" && containers[^1].SubmitMember is not null) ||
            (name is "ToString" or "Equals" or "GetHashCode" && innerKind.StartsWith("record", StringComparison.Ordinal)))
        {
            // Main must look like an entry point to be left alone; no member may be named like its type; records
            // declare ToString, Equals and GetHashCode themselves.
            name = "M" + token;
        }

        return new ShapeSpec
        {
            Containers = containers,
            Method = new MethodSpec
            {
                Form = form,
                Name = name,
                Static = isStatic,
                Access = access,
                Generic = generic,
                Async = isAsync,
                Return = returns,
                Parameters = parameters,
                AttributeOnImplementation = form == MethodForm.PartialSplit && r.Chance(0.5),
            },
        };
    }

    public static string OddTypeName(FuzzRandom r) => r.Pick(OddTypeNames);

    /// <summary>Top-level helper types a variant's signatures use (D, E, and an interface for explicit implementations).</summary>
    public static string DataTypes(ShapeSpec shape, string token, bool internalData)
    {
        var access = internalData ? "internal" : "public";
        var code = new StringBuilder();
        code.Append($"{access} sealed record D{token}(int X);\n");
        code.Append($"{access} enum E{token} {{ A, B }}\n");
        if (shape.Method.Form == MethodForm.ExplicitImplementation)
        {
            code.Append($"public interface I{ShapeSpec.Plain(shape.Inner.Name)} {{ int Run(int x); }}\n");
        }

        return code.ToString();
    }
}
