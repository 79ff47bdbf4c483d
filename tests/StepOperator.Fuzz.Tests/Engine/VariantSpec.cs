using System.Globalization;
using System.Text;

namespace StepOperator.Fuzz;

/// <summary>One step method of a variant before rendering: its shape and its attribute(s).</summary>
internal sealed class SiteSpec
{
    public required string Token { get; init; }

    public required ShapeSpec Shape { get; init; }

    public required List<AttributeSpec> Attributes { get; init; }

    /// <summary>The two attributes share one list ("[ModalStep, Step]").</summary>
    public bool SharedList { get; init; }

    /// <summary>An extra, harmless attribute in the same list.</summary>
    public string? Companion { get; init; }

    public bool InternalData { get; init; }

    /// <summary>Another step of the variant has the same name (SOP104 expected).</summary>
    public bool Duplicate { get; set; }

    public List<string> Members { get; init; } = new();

    /// <summary>The step name the duplicate check records: the first attribute's Name, else the method's name.</summary>
    public string? RegisteredName => Shape.RecordsName ? Attributes[0].ExplicitName ?? Shape.MetadataName : null;
}

/// <summary>Everything a variant is built from; rendering it gives the source and the expectations.</summary>
internal sealed class VariantSpec
{
    public required int Seed { get; init; }

    public required int Index { get; init; }

    public required VariantKind Kind { get; init; }

    public required List<SiteSpec> Sites { get; init; }

    /// <summary>"global", "block", "file-scoped", "nested" or a shared namespace name.</summary>
    public required string Namespace { get; init; }

    /// <summary>Extra attribute arguments that make a CompileError variant (wrong types, unknown properties, ...).</summary>
    public List<string> InjectedArguments { get; init; } = new();

    /// <summary>An extra parameter of an unknown type (a CompileError variant).</summary>
    public bool UnknownParameterType { get; init; }

    /// <summary>The stream the syntax mutation of a BrokenSyntax variant draws from.</summary>
    public ulong MutationSeed { get; init; }

    public static VariantSpec Generate(int seed, int index)
    {
        var r = FuzzRandom.ForVariant(seed, index);
        var kind = r.Weighted((80, VariantKind.WellFormed), (8, VariantKind.CompileError), (12, VariantKind.BrokenSyntax));
        var layout = kind == VariantKind.WellFormed
            ? r.Weighted((85, "single"), (4, "duplicate"), (3, "twins"), (3, "double"), (5, "odd-type"))
            : "single";
        var aimValid = r.Chance(0.4);
        var sites = new List<SiteSpec>();
        var ns = layout == "odd-type"
            ? r.Pick("block", "file-scoped", "nested")
            : r.Weighted((30, "global"), (25, "block"), (20, "file-scoped"), (5, "nested"), (5, "Demo"), (5, "Fz.@event.Ünï"), (5, "Steps.Inner"), (5, "@namespace"));

        SiteSpec Site(int number, string? typeName = null, bool plain = false, int attributes = 1, string? token = null)
        {
            var unique = VariantGenerator.Unique(index, number);
            token ??= unique;
            var text = new CSharpText(r);
            var shape = VariantGenerator.Shape(r, token, typeName, plain);
            var list = new List<AttributeSpec>();
            var modal = r.Chance(0.65);
            for (var i = 0; i < attributes; i++)
            {
                list.Add(AttributeSpec.Create(r, text, i == 0 ? modal : !modal, unique, aimValid));
            }

            var m = shape.Method;
            var effectivelyPublic = m.Access is "public" or "protected" or "protected internal" &&
                shape.Containers.All(c => c.Access is "public" or "protected" or "protected internal");
            return new SiteSpec
            {
                Token = token,
                Shape = shape,
                Attributes = list,
                SharedList = attributes > 1 && r.Chance(0.5),
                Companion = r.Chance(0.08) ? r.Pick("System.Diagnostics.DebuggerStepThrough", "System.Diagnostics.CodeAnalysis.SuppressMessage(\"a\", \"b\")") : null,
                InternalData = !effectivelyPublic && r.Chance(0.5),
                Members = text.Members,
            };
        }

        switch (layout)
        {
            case "duplicate":
            {
                var first = Site(0, plain: r.Chance(0.5));

                // An explicit implementation's name carries its interface's namespace: keep to names known exactly.
                if (!first.Shape.RecordsName || first.Shape.Method.Form == MethodForm.ExplicitImplementation)
                {
                    first = Site(0, plain: true);
                }

                var second = Site(1, plain: true);
                var name = first.RegisteredName!;
                var text = new CSharpText(r, "L");
                second.Attributes[0].Properties.RemoveAll(p => p.Property == "Name");
                second.Attributes[0].Properties.Add(new PropertyValue("Name", name, text.String(name)));
                second.Members.AddRange(text.Members);
                first.Duplicate = second.Duplicate = true;
                sites.Add(first);
                sites.Add(second);
                break;
            }

            case "twins":
            {
                // Two types whose names differ only in case: their generated files must not collide.
                var lower = VariantGenerator.Unique(index, 0);
                var first = Site(0, plain: true, token: "v" + lower);
                var second = Site(1, plain: true, token: "V" + lower);
                for (var attempt = 0; attempt < 20 && second.RegisteredName == first.RegisteredName; attempt++)
                {
                    // Two names alike would be SOP104, which this layout is not about.
                    second = Site(1, plain: true, token: "V" + lower);
                }

                sites.Add(first);
                sites.Add(second);
                break;
            }

            case "double":
                sites.Add(Site(0, attributes: 2));
                break;

            case "odd-type":
                sites.Add(Site(0, typeName: VariantGenerator.OddTypeName(r), token: "N" + index.ToString(CultureInfo.InvariantCulture)));
                break;

            default:
                sites.Add(Site(0));
                break;
        }

        var injected = new List<string>();
        var unknownType = false;
        if (kind == VariantKind.CompileError)
        {
            if (r.Chance(0.12) && sites[0].Shape.Method.Form == MethodForm.Ordinary)
            {
                unknownType = true;
            }
            else
            {
                injected.Add(Injection(r, sites[0].Attributes[0]));
            }
        }

        return new VariantSpec
        {
            Seed = seed,
            Index = index,
            Kind = kind,
            Sites = sites,
            Namespace = ns,
            InjectedArguments = injected,
            UnknownParameterType = unknownType,
            MutationSeed = r.NextUInt64(),
        };
    }

    /// <summary>A semantic error in the attribute: a wrong type, a value that is not constant, an unknown or repeated property.</summary>
    private static string Injection(FuzzRandom r, AttributeSpec attribute)
    {
        var text = new CSharpText(r);
        return r.Next(7) switch
        {
            0 => r.Pick("Memory = 32", "Gpu = 100", "GpuCount = \"2\"", "GpuCount = 2.5", "Timeout = 1L", "CpuCount = 1m", "EnableCache = 1",
                "Name = 5", "RetryDelay = \"1\"", "MaxRetries = true", "Gpu = \"A100\"u8", "GpuCount = null", "Timeout = 3000000000",
                "GpuCount = int.MaxValue + 1", "CpuCount = 1e309", "Memory = 'x'", "Cloud = new[] { \"aws\" }", "Gpu = typeof(int)",
                "RetryBackoff = \"2\"", "Timeout = 86400.5", "GpuCount = 4294967296", "MaxRetries = 10L", "RetryOnException = \"true\"",
                "Memory = 32_GB", "Gpu = A100", "CpuCount = true", "Region = 1", "ModalEnvironment = 'e'"),
            1 => r.Pick("Memory = Environment.MachineName", "GpuCount = int.Parse(\"2\")", "Gpu = $\"{DateTime.Now}\"", "Timeout = new Random().Next()",
                "Name = Guid.NewGuid().ToString()", "CpuCount = Math.PI * 2", "Memory = string.Empty", "Gpu = \"A\" + 100", "Memory = 32 + \"GB\"",
                "Gpu = nameof(Gpu)", "Cloud = \"aws\".ToUpper()"),
            2 => r.Pick("Gpus = \"A100\"", "Memmory = \"1GB\"", "gpu = \"A100\"", "GpuCountSpecified = true", "CpuCountSpecified = false",
                "TimeoutSeconds = 5", "Retries = 3", "Image = \"python:3\""),
            3 => r.Pick("Region = \"us-east-1\"", "Cloud = \"aws\"", "ModalEnvironment = \"main\"", "StepOperator = \"modal\"") is var modalOnly && !attribute.Modal
                ? modalOnly
                : "Gpu = \"T4\", Gpu = \"A100\"",
            4 when attribute.Properties.Count > 0 => Repeat(r, text, attribute),
            5 => r.Pick("\"A100\"", "1", "null", "Gpu: \"A100\"", "memory: \"32GB\"", "true"),
            _ => r.Pick("GpuCount = int.MaxValue * 2", "Timeout = int.MinValue - 1", "GpuCount = 1 / 0", "CpuCount = 1 % 0", "Memory = (string)(object)\"1GB\"",
                "Gpu = default(string) + 1", "Timeout = checked(int.MaxValue + 1)"),
        };
    }

    private static string Repeat(FuzzRandom r, CSharpText text, AttributeSpec attribute)
    {
        var property = r.PickOne(attribute.Properties).Property;
        return AttributeSpec.Write(r, text, property, "again", aimValid: false).Argument;
    }

    /// <summary>The source file and, per step, the rule IDs the analyzers must report.</summary>
    public Variant Render()
    {
        var code = new StringBuilder();
        code.Append("using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing System.Threading;\nusing System.Threading.Tasks;\n");
        code.Append("using StepOperator;\nusing MS = StepOperator.ModalStepAttribute;\nusing S1 = StepOperator.StepAttribute;\n\n");
        var index = Index.ToString(CultureInfo.InvariantCulture);
        var closing = string.Empty;
        switch (Namespace)
        {
            case "global":
                break;
            case "block":
                code.Append($"namespace Fz.N{index}\n{{\n");
                closing = "}\n";
                break;
            case "file-scoped":
                code.Append($"namespace Fz.N{index};\n\n");
                break;
            case "nested":
                code.Append($"namespace Fz\n{{\nnamespace N{index}\n{{\n");
                closing = "}\n}\n";
                break;
            default:
                code.Append($"namespace {Namespace}\n{{\n");
                closing = "}\n";
                break;
        }

        string? oracleFailure = null;
        var attributeStart = -1;
        var attributeEnd = -1;
        var steps = new List<StepSite>();
        foreach (var site in Sites)
        {
            code.Append(VariantGenerator.DataTypes(site.Shape, site.Token, site.InternalData));
            var shape = site.Shape;
            if (UnknownParameterType && site == Sites[0] && !shape.Method.Parameters.Any(p => p.Name == "zz"))
            {
                shape.Method.Parameters.Add(new ParameterSpec("zz", new TypeOption("UnknownType", null), string.Empty));
            }

            var attributes = AttributeLists(site, site == Sites[0] ? InjectedArguments : new List<string>());
            var before = code.Length;
            ShapeWriter.Write(code, shape, attributes, site.Members, site.Token);
            if (attributeStart < 0)
            {
                attributeStart = code.ToString(before, code.Length - before).IndexOf(attributes, StringComparison.Ordinal) + before;
                attributeEnd = attributeStart + attributes.Length;
            }

            var expected = new StepSite
            {
                // The generated code names a step by its type (or, for an oddly named type, by its unique namespace).
                Token = site.Token.StartsWith('N') ? site.Token : shape.Inner.Name,
                RegisteredName = site.RegisteredName,
                Description = string.Join(" ", site.Attributes.Select(a => a.Describe())) + " on " + shape.Describe(),
                ExpectedName = site.Attributes[0].ExplicitName ?? shape.MetadataName,
                ExpectedPlacement = site.Attributes[0].Modal ? "Modal" : "Orchestrator",
                ExpectedSettings = site.Attributes[0].Properties
                    .Where(p => p.Property != "Name" && p.Value is not null)
                    .ToDictionary(p => p.Property, p => p.Value!, StringComparer.Ordinal),
            };
            expected.ExpectedIds.AddRange(shape.ExpectedIds());
            foreach (var attribute in site.Attributes)
            {
                try
                {
                    expected.ExpectedIds.AddRange(attribute.ExpectedRuleIds());
                }
                catch (Exception e)
                {
                    // The oracle itself (the shared rules, also run by the analyzer, generator and runtime) failed on these values.
                    oracleFailure ??= $"the shared rules threw on {attribute.Describe()}: {e}";
                }
            }

            if (site.Attributes.Count > 1)
            {
                expected.ExpectedIds.Add(Rules.UnsupportedShape);
            }

            if (site.Duplicate)
            {
                expected.ExpectedIds.Add(Rules.DuplicateName);
            }

            steps.Add(expected);
        }

        code.Append(closing);
        var source = code.ToString();
        string? mutation = null;
        if (Kind == VariantKind.BrokenSyntax)
        {
            (source, mutation) = Mutations.Apply(new FuzzRandom(MutationSeed), source, attributeStart, attributeEnd);
        }
        else if (Kind == VariantKind.CompileError)
        {
            mutation = UnknownParameterType ? "parameter of an unknown type" : "injected " + string.Join(", ", InjectedArguments);
        }

        return new Variant { Seed = Seed, Index = Index, Kind = Kind, Source = source, Steps = steps, Mutation = mutation, OracleFailure = oracleFailure };
    }

    private static string AttributeLists(SiteSpec site, List<string> injected)
    {
        var form = site.Shape.Method.Form;
        var rendered = site.Attributes.Select((a, i) =>
        {
            var text = a.Render(i == 0 ? injected : null);

            // "method:" targets apply to a whole list, and not to local functions' or lambdas' lists.
            return form is MethodForm.LocalFunction or MethodForm.Lambda || site.Attributes.Count > 1 || site.Companion is not null
                ? text.Replace("method: ", string.Empty, StringComparison.Ordinal)
                : text;
        }).ToList();
        if (site.Companion is not null)
        {
            rendered.Insert(0, site.Companion);
        }

        if (site.SharedList || site.Companion is not null)
        {
            return "[" + string.Join(", ", rendered) + "]";
        }

        return string.Join(form is MethodForm.Lambda or MethodForm.Accessor ? " " : "\n", rendered.Select(a => "[" + a + "]"));
    }
}
