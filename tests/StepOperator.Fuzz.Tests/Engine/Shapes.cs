using System.Text;

namespace StepOperator.Fuzz;

/// <summary>How a method marked as a step is declared.</summary>
internal enum MethodForm
{
    Ordinary,
    PartialSplit,
    Extern,
    LocalFunction,
    Lambda,
    Accessor,
    Operator,
    Finalizer,
    ExplicitImplementation,
}

/// <summary>A type in the chain that contains the step (outermost first).</summary>
internal sealed class ContainerSpec
{
    public required string Name { get; init; }

    /// <summary>class, struct, record, record struct, readonly struct, ref struct or interface.</summary>
    public required string Kind { get; init; }

    public bool Partial { get; init; } = true;

    public bool Static { get; init; }

    public bool Abstract { get; init; }

    public bool Generic { get; init; }

    /// <summary>public, internal, file, private, protected, protected internal or private protected.</summary>
    public required string Access { get; init; }

    /// <summary>The declared instance constructor: null (none), an accessibility, or "params" (only one with parameters).</summary>
    public string? Constructor { get; init; }

    public bool PrimaryConstructor { get; init; }

    public string? BaseList { get; init; }

    /// <summary>The type has a member of its own named Submit, which the generated nested class would clash with.</summary>
    public string? SubmitMember { get; init; }

    public bool IsClassLike => Kind is "class" or "record";

    public bool IsStructLike => Kind.EndsWith("struct", StringComparison.Ordinal);
}

/// <summary>A parameter or return type, with what the rules say about it.</summary>
internal sealed record TypeOption(string Text, string? ExpectedId, bool Unsafe = false, bool TaskLike = false, bool ByRefLike = false);

internal sealed record ParameterSpec(string Name, TypeOption Type, string Modifier);

/// <summary>The method marked as a step: its form, modifiers, signature.</summary>
internal sealed class MethodSpec
{
    public required MethodForm Form { get; init; }

    public required string Name { get; init; }

    public bool Static { get; init; } = true;

    public string Access { get; init; } = "public";

    public bool Generic { get; init; }

    public bool Async { get; init; }

    public required TypeOption Return { get; init; }

    public required List<ParameterSpec> Parameters { get; init; }

    /// <summary>For a split partial method: the attribute sits on the implementing declaration.</summary>
    public bool AttributeOnImplementation { get; init; }

    public bool Unsafe => Return.Unsafe || Parameters.Any(p => p.Type.Unsafe);
}

/// <summary>Where a step sits and what it looks like, with the shape rules' expectations.</summary>
internal sealed class ShapeSpec
{
    public required List<ContainerSpec> Containers { get; init; }

    public required MethodSpec Method { get; init; }

    public ContainerSpec Inner => Containers[^1];

    /// <summary>What the method's own declaration is called in metadata (the default step name).</summary>
    public string MetadataName => Method.Form switch
    {
        MethodForm.Accessor => "get_" + Method.Name,
        MethodForm.Operator => "op_Addition",
        MethodForm.Finalizer => "Finalize",
        MethodForm.ExplicitImplementation => "I" + Plain(Inner.Name) + ".Run",
        _ => Method.Name.TrimStart('@'),
    };

    /// <summary>Local functions and lambdas are not recorded by the duplicate-name check.</summary>
    public bool RecordsName => Method.Form is not (MethodForm.LocalFunction or MethodForm.Lambda);

    /// <summary>A type name without its @ ("@class" → "class"), to build other names from.</summary>
    public static string Plain(string name) => name.TrimStart('@');

    public string Describe()
    {
        var m = Method;
        var containers = string.Join(" > ", Containers.Select(c =>
            $"{c.Access} {(c.Static ? "static " : string.Empty)}{(c.Abstract ? "abstract " : string.Empty)}{(c.Partial ? "partial " : string.Empty)}{c.Kind} {c.Name}{(c.Generic ? "<T>" : string.Empty)}{(c.Constructor is null ? string.Empty : $" ctor:{c.Constructor}")}{(c.PrimaryConstructor ? "(int A)" : string.Empty)}"));
        return $"{containers} :: {m.Form} {m.Access}{(m.Static ? " static" : string.Empty)}{(m.Async ? " async" : string.Empty)} {m.Return.Text} {m.Name}{(m.Generic ? "<T>" : string.Empty)}({string.Join(", ", m.Parameters.Select(p => (p.Modifier.Length > 0 ? p.Modifier + " " : string.Empty) + p.Type.Text + " " + p.Name))})";
    }

    /// <summary>
    /// The shape rules (SOP101–SOP103), written down independently of the analyzer from the diagnostics
    /// pages (docs/diagnostics/SOP101.md–SOP103.md): one entry per problem the method has.
    /// </summary>
    public List<string> ExpectedIds()
    {
        var ids = new List<string>();
        var m = Method;
        if (m.Form is not (MethodForm.Ordinary or MethodForm.PartialSplit or MethodForm.Extern))
        {
            // Local functions, lambdas, accessors, operators, finalizers, explicit implementations: not an ordinary method.
            ids.Add(Rules.UnsupportedShape);
            return ids;
        }

        if (m.Generic)
        {
            ids.Add(Rules.UnsupportedShape);
        }

        if (Containers.Any(c => c.Generic))
        {
            ids.Add(Rules.UnsupportedShape);
        }

        if (!Visible(m.Access) || Containers.Any(c => !Visible(c.Access)))
        {
            ids.Add(Rules.UnsupportedShape);
        }

        if (!m.Static && !HasUsableReceiver(Inner))
        {
            ids.Add(Rules.UnsupportedShape);
        }

        if (Containers.Any(c => !c.Partial))
        {
            ids.Add(Rules.UnsupportedShape);
        }

        if (m.Name == "Submit" || Inner.Name == "Submit")
        {
            // The generator adds a nested class Submit: a step (or its type) of that name would clash with it.
            ids.Add(Rules.UnsupportedShape);
        }
        else if (Inner.SubmitMember is not null)
        {
            // So would another member of the type named Submit.
            ids.Add(Rules.UnsupportedShape);
        }

        if (m.Async && m.Return.Text == "void")
        {
            ids.Add(Rules.UnsupportedShape);
        }

        var byRefReturn = m.Return.Text.StartsWith("ref ", StringComparison.Ordinal);
        if (byRefReturn)
        {
            ids.Add(Rules.UnsupportedPassing);
        }

        foreach (var parameter in m.Parameters)
        {
            if (parameter.Modifier is "ref" or "out" or "in" or "ref readonly")
            {
                ids.Add(Rules.UnsupportedPassing);
            }
            else if (parameter.Type.ExpectedId is { } id)
            {
                ids.Add(id);
            }
        }

        if (!byRefReturn && m.Return.ExpectedId is { } returnId)
        {
            ids.Add(returnId);
        }

        return ids;
    }

    private static bool Visible(string access) => access is "public" or "internal" or "protected internal";

    private static bool HasUsableReceiver(ContainerSpec type)
    {
        if (type.IsStructLike)
        {
            return true;
        }

        if (type.Kind == "interface" || type.Static || type.Abstract)
        {
            return false;
        }

        if (type.PrimaryConstructor)
        {
            return false;
        }

        return type.Constructor is null or "public" or "internal" or "protected internal";
    }
}

/// <summary>Parameter and return types, each with the rule it breaks (null: it can be an artifact).</summary>
internal static class TypeOptions
{
    public static readonly TypeOption[] Parameters =
    {
        new("int", null), new("string", null), new("double[]", null), new("List<int>", null), new("{D}", null), new("int?", null),
        new("string?", null), new("Stream", null), new("byte[]", null), new("object", null), new("(int A, string B)", null),
        new("Guid", null), new("DateTime", null), new("decimal", null), new("{E}", null), new("Dictionary<string, int[]>", null),
        new("CancellationToken", null), new("int[,]", null), new("long", null), new("bool", null), new("char", null),
        new("List<{D}>", null), new("{D}[]", null), new("IReadOnlyList<string?>", null), new("DateTimeOffset", null), new("Uri", null),
        new("Func<int>", "SOP103"), new("Action", "SOP103"), new("Type", "SOP103"), new("nint", "SOP103"), new("UIntPtr", "SOP103"),
        new("dynamic", "SOP103"), new("Task<int>", "SOP103"), new("ValueTask", "SOP103"), new("List<Func<int>>", "SOP103"),
        new("Delegate", "SOP103"), new("CancellationToken[]", "SOP103"), new("Task", "SOP103"), new("(int, Action)", "SOP103"),
        new("MulticastDelegate", "SOP103"), new("Action<int>[]", "SOP103"), new("Dictionary<string, Type>", "SOP103"), new("IntPtr", "SOP103"),
        new("Span<int>", "SOP102", ByRefLike: true), new("ReadOnlySpan<char>", "SOP102", ByRefLike: true),
        new("int*", "SOP102", Unsafe: true, ByRefLike: true), new("delegate*<int, void>", "SOP102", Unsafe: true, ByRefLike: true),
    };

    public static readonly TypeOption[] Returns =
    {
        new("void", null, TaskLike: true), new("int", null), new("string", null), new("double[]", null), new("List<int>", null), new("{D}", null),
        new("int?", null), new("(int A, string B)", null), new("Stream", null), new("byte[]", null), new("object", null), new("{E}", null),
        new("IAsyncEnumerable<int>", null), new("Dictionary<string, int[]>", null), new("string?", null), new("{D}[]", null),
        new("Task", null, TaskLike: true), new("ValueTask", null, TaskLike: true), new("Task<int>", null, TaskLike: true),
        new("ValueTask<string>", null, TaskLike: true), new("Task<{D}>", null, TaskLike: true), new("Task<List<{D}>>", null, TaskLike: true),
        new("ValueTask<{D}?>", null, TaskLike: true),
        new("Func<int>", "SOP103"), new("Action", "SOP103"), new("Type", "SOP103"), new("nint", "SOP103"), new("dynamic", "SOP103"),
        new("CancellationToken", "SOP103"), new("Task<Task<int>>", "SOP103", TaskLike: true), new("Task<Func<int>>", "SOP103", TaskLike: true),
        new("ValueTask<Type>", "SOP103", TaskLike: true), new("List<Action>", "SOP103"), new("Delegate", "SOP103"),
        new("Span<int>", "SOP103", ByRefLike: true), new("ReadOnlySpan<byte>", "SOP103", ByRefLike: true), new("int*", "SOP103", Unsafe: true),
        new("Task<CancellationToken>", "SOP103", TaskLike: true), new("Func<int>[]", "SOP103"), new("Task<dynamic>", "SOP103", TaskLike: true),
        new("ref int", "SOP102"), new("ref readonly string", "SOP102"),
    };

    public static readonly TypeOption TypeParameter = new("T", null);
}

/// <summary>Renders a shape with its attribute(s) as C#.</summary>
internal static class ShapeWriter
{
    /// <summary>Appends the containers, the members and the method; <paramref name="attributes"/> are the attribute lists ("[ModalStep(...)]").</summary>
    public static void Write(StringBuilder code, ShapeSpec shape, string attributes, IReadOnlyList<string> members, string dataTypes)
    {
        var m = shape.Method;
        var indent = 0;
        void Line(string text) => code.Append(' ', indent * 4).Append(text).Append('\n');

        foreach (var container in shape.Containers)
        {
            var modifiers = new List<string> { container.Access };
            if (container.Static)
            {
                modifiers.Add("static");
            }

            if (container.Abstract)
            {
                modifiers.Add("abstract");
            }

            if (container.Kind == "readonly struct")
            {
                modifiers.Add("readonly");
            }

            if (container.Kind == "ref struct")
            {
                modifiers.Add("ref");
            }

            if (container.Partial)
            {
                modifiers.Add("partial");
            }

            var keyword = container.Kind switch
            {
                "readonly struct" or "ref struct" => "struct",
                var k => k,
            };
            Line($"{string.Join(" ", modifiers)} {keyword} {container.Name}{(container.Generic ? "<T>" : string.Empty)}{(container.PrimaryConstructor ? "(int A)" : string.Empty)}{(container.BaseList is null ? string.Empty : " : " + container.BaseList)}");
            Line("{");
            indent++;
            if (container.Constructor is { } ctor)
            {
                Line(ctor == "params" ? $"public {container.Name}(int seed) {{ }}" : $"{ctor} {container.Name}() {{ }}");
            }
        }

        if (shape.Inner.SubmitMember is { } submit)
        {
            Line(submit);
        }

        foreach (var member in members)
        {
            Line(shape.Inner.Kind == "interface" ? member.Replace("private const", "const", StringComparison.Ordinal) : member);
        }

        var typeParameters = m.Generic ? "<T>" : string.Empty;
        var parameters = string.Join(", ", m.Parameters.Select(p =>
            (p.Modifier.Length > 0 ? p.Modifier + " " : string.Empty) + Resolve(p.Type.Text, dataTypes) + " " + p.Name));
        var returns = Resolve(m.Return.Text, dataTypes);
        var body = m.Async
            ? m.Return.Text == "void" ? "{ await Task.Yield(); }" : "{ await Task.Yield(); throw null!; }"
            : "=> throw null!;";
        var modifiersOf = new List<string> { m.Access };
        if (m.Static)
        {
            modifiersOf.Add("static");
        }

        if (m.Async)
        {
            modifiersOf.Add("async");
        }

        if (m.Unsafe)
        {
            modifiersOf.Add("unsafe");
        }

        switch (m.Form)
        {
            case MethodForm.Ordinary:
                Line(attributes);
                Line($"{string.Join(" ", modifiersOf)} {returns} {m.Name}{typeParameters}({parameters}) {body}");
                break;
            case MethodForm.Extern:
                Line(attributes);
                Line($"{string.Join(" ", modifiersOf)} extern {returns} {m.Name}{typeParameters}({parameters});");
                break;
            case MethodForm.PartialSplit:
                var declaration = $"{string.Join(" ", modifiersOf)} partial {returns} {m.Name}{typeParameters}({parameters})";
                if (!m.AttributeOnImplementation)
                {
                    Line(attributes);
                }

                Line(declaration + ";");
                if (m.AttributeOnImplementation)
                {
                    Line(attributes);
                }

                Line(declaration + " => throw null!;");
                break;
            case MethodForm.LocalFunction:
                Line($"public {(m.Static ? "static " : string.Empty)}void Host{ShapeSpec.Plain(shape.Inner.Name)}()");
                Line("{");
                indent++;
                Line(attributes);
                Line($"static {(m.Unsafe ? "unsafe " : string.Empty)}{returns} {m.Name}{typeParameters}({parameters}) {body}");
                indent--;
                Line("}");
                break;
            case MethodForm.Lambda:
                Line($"public {(m.Static ? "static " : string.Empty)}Func<int, int> Host{ShapeSpec.Plain(shape.Inner.Name)}() => {attributes} (int x) => x;");
                break;
            case MethodForm.Accessor:
                Line($"public {(m.Static ? "static " : string.Empty)}int {m.Name} {{ {attributes} get => 0; }}");
                break;
            case MethodForm.Operator:
                var self = shape.Inner.Name + (shape.Inner.Generic ? "<T>" : string.Empty);
                Line(attributes);
                Line($"public static {self} operator +({self} a, {self} b) => a;");
                break;
            case MethodForm.Finalizer:
                Line(attributes);
                Line($"~{shape.Inner.Name}() {{ }}");
                break;
            case MethodForm.ExplicitImplementation:
                Line(attributes);
                Line($"int I{ShapeSpec.Plain(shape.Inner.Name)}.Run(int x) => x;");
                break;
        }

        foreach (var _ in shape.Containers)
        {
            indent--;
            Line("}");
        }
    }

    public static string Resolve(string type, string token) =>
        type.Replace("{D}", "D" + token, StringComparison.Ordinal).Replace("{E}", "E" + token, StringComparison.Ordinal);
}
