namespace StepOperator.Fuzz;

/// <summary>Breaks a well-formed source the way code being typed is broken: cut short, a character missing or extra.</summary>
internal static class Mutations
{
    private static readonly string[] Tokens =
    {
        ",", "=", "\"", "(", ")", "]", "[", "@", "$\"", "\"\"\"", "\\", "{", "}", "/*", "//", "\n#if X\n", "'", "\n", ";", "=>", "?", ":", "0x", "1e", "u8",
        "Gpu =", "Memory = \"", ", ,", "\u0000", "\u2028", "\uD800", "#", "<", ">", "!", "..", "..^", "??", "<T>", "{0}", "ref ", "out ",
    };

    private static readonly string[] HalfTyped =
    {
        "[ModalStep(", "[ModalStep(Gpu", "[ModalStep(Gpu =", "[ModalStep(Gpu = \"", "[ModalStep(Gpu = \"A1", "[ModalStep(Gpu = \"A100\"",
        "[ModalStep(Gpu = \"A100\",", "[ModalStep(Gpu = \"A100\", Memory = 32GB)]", "[ModalStep(Memory = \"32GB)]", "[ModalStep Gpu = \"A100\"]",
        "[ModalStep(Gpu = \"A100\" Memory = \"32GB\")]", "[ModalStep((Gpu = \"A100\")]", "[ModalStep(Gpu = \"A100\"))]", "[ModalStep[Gpu = \"A100\"]]",
        "[ModalStep(Gpu == \"A100\")]", "[ModalStep(Gpu = @\"A100)]", "[ModalStep(Gpu = $\"{\")]", "[ModalStep(Gpu = \"\"\"A100)]",
        "[ModalStep(GpuCount = 1_)]", "[ModalStep(CpuCount = 1.)]", "[ModalStep(CpuCount = 1e)]", "[ModalStep(Timeout = 0x)]", "[ModalStep(Gpu = 'A100')]",
        "[ModalStep(Gpu = \"A100\"\n", "[ModalStep(Name = nameof()]", "[ModalStep(Gpu = \"A100\" + )]", "[ModalStep(Gpu = \"A100\\\")]",
        "[ModalStep(Memory = \"\\u12\")]", "[ModalStep(Memory = \"\\q\")]", "[ModalStep(,)]", "[ModalStep(=)]", "[Modal Step]", "[ModalStep]]",
        "[[ModalStep]", "ModalStep(Gpu = \"A100\")]", "[ModalStep(Gpu = \"A100\")", "[Step(Name = \"a\", Name = )]",
        "[ModalStep(#if X\nGpu = \"A100\"\n#endif\n)]", "[ModalStep(/* Gpu = \"A100\" */)]", "[ModalStep(// Gpu\n)]", "[ModalStep(Gpu = \"A100\"; Memory = \"1GB\")]",
        "[ModalStep(Gpu = \"A100\"]\n[", "[Step(Memory = \"1GB\" Timeout = 5)]", "[ModalStep(GpuCount = -)]", "[ModalStep(Timeout = 86_400_)]",
        "[ModalStep(CpuCount = .5.5)]", "[ModalStep(Gpu = \"A100\"\u2028)]", "[ModalStep(Gpu = \"\uD800)]", "[ModalStep(Memory = $\"{1}GB\")]",
        "[ModalStep(Memory = \"\"\"\n32GB\n\"\"\")]", "[ModalStep(Gpu = \"A100\", ..)]", "[ModalStep(Gpu = default!)]", "[ModalStep(Gpu = null!)]",
        "[ModalStep(Gpu = (\"A100\"))]", "[ModalStep(Gpu = \"A100\" is string)]", "[ModalStep(Gpu = \"A100\" switch { _ => \"T4\" })]",
    };

    /// <summary>The mutated source and what was done to it.</summary>
    public static (string Source, string Mutation) Apply(FuzzRandom r, string source, int attributeStart, int attributeEnd)
    {
        attributeStart = Math.Clamp(attributeStart, 0, source.Length);
        attributeEnd = Math.Clamp(attributeEnd, attributeStart, source.Length);
        int InAttribute() => attributeEnd > attributeStart ? r.Between(attributeStart, attributeEnd - 1) : attributeStart;

        switch (r.Next(10))
        {
            case 0:
            case 1:
            case 2:
            {
                var cut = r.Between(attributeStart, Math.Min(source.Length, attributeEnd + 200));
                return (source[..cut], $"cut at {cut}");
            }

            case 3:
            {
                var at = InAttribute();
                return (source.Remove(at, Math.Min(1, source.Length - at)), $"deleted the character at {at}");
            }

            case 4:
            {
                var structural = Enumerable.Range(attributeStart, attributeEnd - attributeStart)
                    .Where(i => source[i] is ',' or ')' or ']' or '"' or '=' or '(').ToList();
                if (structural.Count == 0)
                {
                    goto case 3;
                }

                var at = r.PickOne(structural);
                return (source.Remove(at, 1), $"deleted '{source[at]}' at {at}");
            }

            case 5:
            case 6:
            {
                var at = InAttribute();
                var token = r.Pick(Tokens);
                return (source.Insert(at, token), $"inserted {PropertyValue.Show(token)} at {at}");
            }

            case 7:
            {
                var replacement = r.Pick(HalfTyped);
                var text = source[..attributeStart] + replacement + source[attributeEnd..];
                return (text, $"attribute replaced with {PropertyValue.Show(replacement)}");
            }

            case 8:
            {
                var cut = r.Between(0, source.Length);
                return (source[..cut], $"cut at {cut}");
            }

            default:
            {
                var length = attributeEnd - attributeStart;
                var text = source.Insert(attributeEnd, source.Substring(attributeStart, length));
                return (text, "attribute list repeated");
            }
        }
    }
}
