using System.Globalization;
using System.Text;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Flavors;
using StepOperator.Stacks;

namespace StepOperator.Fuzz.CommandLine;

/// <summary>What a case fuzzes: the command line alone, the user-level file, the project's stepoperator.json, or both files.</summary>
internal enum HostCaseKind
{
    CommandLine,
    UserFile,
    ProjectFile,
    BothFiles,
}

/// <summary>
/// One run of the program's command line: the two configuration files as bytes (null: no file) and the arguments.
/// <paramref name="ProbeReadsConfiguration"/> is true when the arguments are, unmutated, a command that reads the
/// configuration before anything else can fail (stack list, artifact-store list, ...).
/// </summary>
internal sealed record HostCase(
    int Seed,
    int Index,
    HostCaseKind Kind,
    byte[]? UserFile,
    byte[]? ProjectFile,
    IReadOnlyList<string> Arguments,
    bool ProbeReadsConfiguration,
    string Mutations)
{
    /// <summary>Commands that save the user-level file when they succeed.</summary>
    public bool MaySave => Arguments.Any(a => a is "register" or "update" or "delete" or "activate");
}

/// <summary>
/// Builds case <c>index</c> of run <c>seed</c> from its own stream (<see cref="FuzzRandom.ForVariant"/>), so any case
/// can be rebuilt alone. Configuration files start as a configuration of the shape StepOperator reads (components of
/// every type and flavor, stacks, step overrides, with valid values, near misses and boundaries), then take tree
/// mutations (a value of the wrong kind, an unknown key, a key twice, a huge value, deep nesting) and byte mutations
/// (truncation, stray and non-UTF-8 bytes, a byte order mark, UTF-16, comments, trailing text, empty files).
/// Command lines are the program's commands with their arguments, then token mutations.
/// </summary>
internal static class HostCaseGenerator
{
    public const string Pipeline = "FuzzPipeline";

    public const string Step = "FuzzStep";

    private static readonly string[] Names = ["local", "docker", "gpu", "store", "mine", "GPU", "Mine", "grün", "a b", "default", "x"];

    private static readonly string[] Texts =
    [
        "600", "A100", "T4", "A10:2", "32GB", "32 gb", "1.5GB", "true", "false", "True", "ignore", "require", "env:STEPOPERATOR_FUZZ_UNSET",
        "env:", "http://127.0.0.1:1", "not a url", "us-east-1", "ml", "", " ", "\t", "0", "-1", "2147483648", "1e999", "NaN",
        "ünïcödé", "\u0000", "line\nbreak", "\"quoted\"", "back\\slash", "🚀",
    ];

    private static readonly string[] Numbers = ["0", "1", "-1", "4", "0.5", "600", "2147483647", "2147483648", "99999999999999999999", "1e999", "-0", "1E+2"];

    /// <summary>Read-only commands that load the configuration first (their output names a bad file).</summary>
    private static readonly string[][] Probes =
    [
        ["stack", "list"], ["stack", "describe"], ["artifact-store", "list"], ["orchestrator", "list"], ["step-operator", "list"],
        ["container-registry", "list"], ["image-builder", "list"],
    ];

    public static HostCase Create(int seed, int index, string root)
    {
        var random = FuzzRandom.ForVariant(seed, index);
        var kind = random.Weighted((25, HostCaseKind.CommandLine), (35, HostCaseKind.UserFile), (25, HostCaseKind.ProjectFile), (15, HostCaseKind.BothFiles));
        var mutations = new List<string>();

        byte[]? File(bool fuzzed, bool project)
        {
            if (!fuzzed)
            {
                return random.Chance(0.5) ? Encoding.UTF8.GetBytes(Configuration(random, root, project, mutate: false, mutations).Render(random)) : null;
            }

            var tree = Configuration(random, root, project, mutate: true, mutations);
            return Bytes(random, tree.Render(random), mutations);
        }

        var user = File(kind is HostCaseKind.UserFile or HostCaseKind.BothFiles, project: false);
        var projectFile = File(kind is HostCaseKind.ProjectFile or HostCaseKind.BothFiles, project: true);

        var (arguments, probe) = Arguments(random, root, kind == HostCaseKind.CommandLine, mutations);
        return new HostCase(seed, index, kind, user, projectFile, arguments, probe, string.Join("; ", mutations));
    }

    // ---------------------------------------------------------------- configuration

    /// <summary>A configuration StepOperator reads (each component with a flavor and settings it takes), then <paramref name="mutate"/>d.</summary>
    private static JsonObjectNode Configuration(FuzzRandom random, string root, bool project, bool mutate, List<string> mutations)
    {
        var file = new JsonObjectNode();
        if (random.Chance(0.3))
        {
            file.Add("ActiveStack", Text(random.Pick("local", "docker", "mine")));
        }

        foreach (var type in ComponentTypes.All.Where(_ => random.Chance(0.45)))
        {
            var section = new JsonObjectNode();
            foreach (var name in Distinct(random, random.Between(0, 3)))
            {
                section.Add(name, Component(random, type, name, root));
            }

            file.Add(random.Chance(0.9) ? type.SectionName() : type.SectionName().ToLowerInvariant(), section);
        }

        if (random.Chance(0.5))
        {
            var stacks = new JsonObjectNode();
            foreach (var name in Distinct(random, random.Between(0, 3)))
            {
                var stack = new JsonObjectNode();
                foreach (var type in ComponentTypes.All.Where(_ => random.Chance(0.4)))
                {
                    // Runs and plans go to stacks of local components: nothing is contacted over the network.
                    stack.Add(type.ToString(), Text(FlavorCatalog.IsBuiltIn(type, "local") ? "local" : random.Pick("docker", "default", "mine")));
                }

                stacks.Add(name, stack);
            }

            file.Add("Stacks", stacks);
        }

        if (random.Chance(project ? 0.5 : 0.2))
        {
            var settings = new JsonObjectNode();
            foreach (var property in StepOverrides.Properties.Where(p => random.Chance(0.2) && p is not "StepOperator" and not "Gpu" and not "GpuCount"))
            {
                settings.Add(property, Valid(random, property));
            }

            file.Add("Steps", new JsonObjectNode { Properties = { (Step, settings) } });
        }

        var count = mutate ? random.Weighted((30, 1), (40, 2), (20, 3), (10, 0)) : 0;
        for (var i = 0; i < count; i++)
        {
            mutations.Add(Mutate(random, file));
        }

        return file;
    }

    /// <summary>Names no two of which differ only in case.</summary>
    private static IEnumerable<string> Distinct(FuzzRandom random, int count) =>
        Enumerable.Range(0, count).Select(_ => random.PickOne(Names)).DistinctBy(name => name.ToLowerInvariant()).ToList();

    private static JsonObjectNode Component(FuzzRandom random, ComponentType type, string name, string root)
    {
        var component = new JsonObjectNode();
        var builtIn = FlavorCatalog.IsBuiltIn(type, name);
        var flavor = builtIn ? name.ToLowerInvariant() : random.PickOne(FlavorCatalog.KnownNames(type));
        if (!builtIn || random.Chance(0.3))
        {
            component.Add("Flavor", Text(flavor));
        }

        foreach (var setting in FlavorSettings.Of(type, flavor).Where(_ => random.Chance(0.25)))
        {
            // A local store's Path is always a folder of the fuzz run's own, never the working directory.
            component.Add(setting, setting == "Path" ? Text(Path.Combine(root, "store")) : Valid(random, setting));
        }

        return component;
    }

    /// <summary>A value the setting takes.</summary>
    private static JsonNode Valid(FuzzRandom random, string setting) => setting switch
    {
        "Standby" or "PathStyle" or "EnableCache" or "RetryOnException" => new JsonRawNode(random.Pick("true", "false", "\"false\"")),
        "MaxParallelSteps" or "GpuCount" or "MaxRetries" => new JsonRawNode(random.Pick("0", "1", "2", "\"4\"")),
        "Timeout" => new JsonRawNode(random.Pick("600", "\"3600\"")),
        "CpuCount" or "CpuLimit" or "RetryDelay" or "RetryBackoff" => new JsonRawNode(random.Pick("1", "0.5", "\"2\"")),
        "Memory" or "MemoryLimit" => Text(random.Pick("1GB", "512MiB")),
        "Gpu" => Text(random.Pick("A100", "T4")),
        "Gpus" => Text(random.Pick("ignore", "require")),
        "Endpoint" or "ServerUrl" => Text("http://127.0.0.1:1"),
        "Region" => Text("us-east-1"),
        "Cloud" => Text("aws"),
        _ => Text(random.Pick("ml", "me", "value", "env:STEPOPERATOR_FUZZ_UNSET")),
    };

    private static JsonNode Scalar(FuzzRandom random) => random.Weighted<Func<JsonNode>>(
        (60, () => Text(random.PickOne(Texts))),
        (25, () => new JsonRawNode(random.PickOne(Numbers))),
        (15, () => new JsonRawNode(random.Pick("true", "false"))))();

    private static JsonRawNode Text(string value) => new(JsonText(value));

    private static string JsonText(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
    }

    /// <summary>One change of the tree; what it did, for the report.</summary>
    private static string Mutate(FuzzRandom random, JsonObjectNode file)
    {
        var objects = file.Objects().ToList();
        var target = random.PickOne(objects);
        switch (random.Next(9))
        {
            case 7 when target.Properties.Count > 0:
            {
                var at = random.Next(target.Properties.Count);
                var value = Scalar(random);
                target.Properties[at] = (target.Properties[at].Key, value);
                return $"{target.Properties[at].Key} took a near-miss value";
            }

            case 0 when target.Properties.Count > 0:
            {
                var at = random.Next(target.Properties.Count);
                var replacement = WrongKind(random);
                target.Properties[at] = (target.Properties[at].Key, replacement.Node);
                return $"{target.Properties[at].Key} became {replacement.What}";
            }

            case 1:
            {
                var key = random.Pick("Stack", "Orchestrater", "Memroy", "Tokn", "Flavour", "$schema", "", ":", "a:b", "Steps:Train", "ÄctiveStack");
                target.Add(key, random.Chance(0.5) ? Scalar(random) : new JsonObjectNode());
                return $"unknown key '{key}'";
            }

            case 2 when target.Properties.Count > 0:
            {
                var (key, node) = random.PickOne(target.Properties);
                var twice = random.Chance(0.5) ? key : key.ToUpperInvariant();
                target.Add(twice, node);
                return $"'{key}' twice as '{twice}'";
            }

            case 3 when target.Properties.Count > 0:
            {
                var at = random.Next(target.Properties.Count);
                var huge = random.Chance(0.5)
                    ? Text(new string(random.Pick('x', 'é', '9'), random.Pick(10_000, 100_000, 300_000)))
                    : new JsonRawNode("1" + new string('0', random.Pick(20, 400, 5_000)));
                target.Properties[at] = (target.Properties[at].Key, huge);
                return $"huge value for {target.Properties[at].Key}";
            }

            case 4:
            {
                var depth = random.Pick(10, 63, 64, 65, 200);
                var open = random.Chance(0.5) ? '[' : '{';
                var text = open == '['
                    ? new string('[', depth) + "1" + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                target.Add(random.PickOne(Names), new JsonRawNode(text));
                return $"nested {depth} deep";
            }

            case 5:
            {
                var escape = random.Pick("\"\\ud800\"", "\"\\u0000\"", "\"\\uDFFF\\uD800\"", "\"\\x41\"", "\"\\u12\"", "'single'", "undefined", "NaN", "-Infinity", "0x10", "+1", "01");
                target.Add(random.PickOne(Names), new JsonRawNode(escape));
                return $"value {escape}";
            }

            case 6 when target.Properties.Count > 0:
            {
                target.Properties.RemoveAt(random.Next(target.Properties.Count));
                return "a key removed";
            }

            default:
            {
                var key = random.Pick("ActiveStack", "Stacks", "Steps", "StepOperators", "ArtifactStores", "Orchestrators");
                var replacement = WrongKind(random);
                file.Properties.Insert(random.Next(file.Properties.Count + 1), (key, replacement.Node));
                return $"top-level {key} as {replacement.What}";
            }
        }
    }

    private static (JsonNode Node, string What) WrongKind(FuzzRandom random) => random.Next(6) switch
    {
        0 => (new JsonRawNode("null"), "null"),
        1 => (new JsonRawNode("[1, \"two\", {}]"), "a list"),
        2 => (new JsonRawNode(random.PickOne(Numbers)), "a number"),
        3 => (new JsonRawNode("true"), "true"),
        4 => (new JsonObjectNode(), "an empty object"),
        _ => (Text(random.PickOne(Texts)), "text"),
    };

    /// <summary>The rendered file as bytes, perhaps damaged.</summary>
    private static byte[] Bytes(FuzzRandom random, string text, List<string> mutations)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (!random.Chance(0.55))
        {
            return bytes;
        }

        switch (random.Next(10))
        {
            case 0:
                mutations.Add("truncated");
                return bytes[..random.Next(bytes.Length + 1)];
            case 1:
            {
                var copy = bytes.ToArray();
                var at = random.Next(copy.Length);
                copy[at] = (byte)random.Pick(0xFF, 0xFE, 0xC0, 0x80, 0x00, 0x7B, 0x22, 0x2C, 0x3A, 0xE2);
                mutations.Add($"byte {at} became 0x{copy[at]:X2}");
                return copy;
            }

            case 2:
            {
                var at = random.Next(bytes.Length + 1);
                byte[] stray = random.Pick<byte[]>([0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE9], [0xEF, 0xBB, 0xBF]);
                mutations.Add($"{stray.Length} stray bytes at {at}");
                return [.. bytes[..at], .. stray, .. bytes[at..]];
            }

            case 3:
                mutations.Add("byte order mark");
                return [0xEF, 0xBB, 0xBF, .. bytes];
            case 4:
                mutations.Add("UTF-16");
                return Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray();
            case 5:
                mutations.Add("comments");
                return Encoding.UTF8.GetBytes("// settings\n" + text.Replace("{", "{ /* c */", StringComparison.Ordinal));
            case 6:
                mutations.Add("trailing text");
                return Encoding.UTF8.GetBytes(text + random.Pick("}", " x", "\n{}", ",", "\0"));
            case 7:
                mutations.Add("empty");
                return random.Chance(0.5) ? [] : Encoding.UTF8.GetBytes(random.Pick(" ", "\n\n", "\t", "null", "[]", "\"text\"", "42"));
            case 8:
            {
                var at = random.Next(bytes.Length + 1);
                mutations.Add($"deleted from {at}");
                return [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + random.Between(1, 20))..]];
            }

            default:
                mutations.Add("trailing commas");
                return Encoding.UTF8.GetBytes(text.Replace("}", ",}", StringComparison.Ordinal));
        }
    }

    // ---------------------------------------------------------------- command line

    private static (IReadOnlyList<string> Arguments, bool Probe) Arguments(FuzzRandom random, string root, bool fuzzed, List<string> mutations)
    {
        var home = Path.Combine(root, "home");
        string Name() => random.Chance(0.8) ? random.PickOne(Names) : random.PickOne(Texts);
        string ComponentCommand() => random.PickOne(ComponentTypes.All).CommandName();
        string[] Settings() => Enumerable.Range(0, random.Between(0, 3))
            .Select(_ => random.Pick("--timeout=600", "--gpu=A100", "--standby=false", "--max_parallel_steps=-1", "--bucket=ml", "--path=" + Path.Combine(root, "store"),
                "--token_id=ak-1", "--token_secret=as-1", "--server=127.0.0.1:1", "--nope=1", "--timeout", "x", "--", "--=", "--gpu_count=99999999999"))
            .ToArray();

        if (!fuzzed && random.Chance(0.6))
        {
            return (random.PickOne(Probes), true);
        }

        var arguments = random.Weighted<Func<List<string>>>(
            (12, () => [Pipeline, "--stack", "local"]),
            (6, () => ["--stack", random.Pick("local", "nope", "mine", "")]),
            (8, () => ["plan", Pipeline, "--stack", random.Pick("local", "nope")]),
            (4, () => ["resume", .. random.Chance(0.5) ? new[] { random.Pick("nope", "..", ".", "a/b", "") } : []]),
            (10, () => ["stack", random.Pick("list", "describe", "activate", "delete", "register", "update"), .. random.Chance(0.8) ? new[] { Name() } : [],
                .. random.Chance(0.4) ? new[] { random.Pick("-o", "-s", "-a", "-c", "-i", "--orchestrator"), Name() } : []]),
            (12, () => [ComponentCommand(), random.Pick("list", "describe", "register", "update", "delete"), .. random.Chance(0.85) ? new[] { Name() } : [],
                .. random.Chance(0.5) ? new[] { "--flavor=" + random.Pick("local", "docker", "modal", "s3", "azure", "default", "nope") } : [], .. Settings()]),
            (3, () => ["step", random.Pick(Step, "nope", ""), "--run-id", random.Pick("r1", ""), "--invocation", "i1", "--store", Path.Combine(root, "store")]),
            (3, () => [random.Pick("--help", "-h", "-?", "--version", "[diagram]", "[suggest]")]),
            (2, () => []))();

        if (arguments.Count == 0 || arguments[0] is Pipeline or "resume" or "--stack")
        {
            arguments.AddRange(["--home", home, "--no-color"]);
        }
        else if (arguments[0] == "plan")
        {
            arguments.AddRange(["--home", home]);
        }

        var count = fuzzed ? random.Weighted((40, 1), (35, 2), (25, 3)) : 0;
        for (var i = 0; i < count; i++)
        {
            var token = random.Weighted<Func<string[]>>(
                (10, () => ["--set", random.Pick($"{Step}.Memory=32GB", $"{Step}.GpuCount=99999999999", $"{Step}.=", "=", $"{Step}.Nope=1", "nope.Memory=1", $"{Step}.Timeout=-1", $"{Step}.Gpu=")]),
                (6, () => ["--max-parallel-steps", random.Pick("-1", "0", "99999999999", "x", "")]),
                (6, () => [random.Pick("--no-cache", "--no-color", "--prevent-build-reuse", "--", "-", "--nope", "-x")]),
                (6, () => ["--home", random.Pick(home, Path.Combine(root, "home-other"), "", "\0x", Path.Combine(root, "file"))]),
                (6, () => [random.Pick("", " ", "\t", "\n", "\0", "ünï", "🚀", "-" + new string('x', 5_000), new string('a', 100_000))]),
                (4, () => [random.Pick("@" + Path.Combine(root, "missing.rsp"), "@", "@" + Path.Combine(root, "config", "config.json"))]),
                (6, () => [random.PickOne(Names)]),
                (4, () => ["--stack", random.Pick("local", "nope", "", "mine")]))();
            var at = random.Next(arguments.Count + 1);
            arguments.InsertRange(at, token);
            mutations.Add($"tokens [{string.Join(" ", token.Select(Show))}] at {at}");
        }

        if (random.Chance(0.05))
        {
            arguments.RemoveRange(0, random.Next(arguments.Count + 1));
            mutations.Add("arguments cut");
        }

        return (arguments, false);
    }

    private static string Show(string token) => token.Length > 40 ? $"<{token.Length} chars>" : token.Replace("\0", "\\0", StringComparison.Ordinal);

    // ---------------------------------------------------------------- a small JSON tree that renders with random formatting

    internal abstract class JsonNode
    {
        public abstract void Render(StringBuilder text, FuzzRandom random, int depth);
    }

    internal sealed class JsonRawNode(string text) : JsonNode
    {
        public override void Render(StringBuilder builder, FuzzRandom random, int depth) => builder.Append(text);
    }

    internal sealed class JsonObjectNode : JsonNode
    {
        public List<(string Key, JsonNode Value)> Properties { get; init; } = new();

        public void Add(string key, JsonNode value) => Properties.Add((key, value));

        public IEnumerable<JsonObjectNode> Objects() =>
            Properties.Select(p => p.Value).OfType<JsonObjectNode>().SelectMany(o => o.Objects()).Prepend(this);

        public string Render(FuzzRandom random)
        {
            var text = new StringBuilder();
            Render(text, random, 0);
            return text.ToString();
        }

        public override void Render(StringBuilder text, FuzzRandom random, int depth)
        {
            var indent = random.Chance(0.7);
            text.Append('{');
            for (var i = 0; i < Properties.Count; i++)
            {
                text.Append(i == 0 ? string.Empty : ",");
                text.Append(indent ? "\n" + new string(' ', 2 * (depth + 1)) : " ");
                text.Append(JsonText(Properties[i].Key)).Append(random.Chance(0.8) ? ": " : ":");
                Properties[i].Value.Render(text, random, depth + 1);
            }

            text.Append(indent && Properties.Count > 0 ? "\n" + new string(' ', 2 * depth) : " ").Append('}');
        }
    }

    internal static string Describe(HostCase @case)
    {
        static string File(byte[]? bytes) => bytes is null ? "(none)"
            : bytes.Length > 600 ? $"{bytes.Length} bytes: {Encoding.UTF8.GetString(bytes[..300])} ... {Encoding.UTF8.GetString(bytes[^300..])}"
            : Encoding.UTF8.GetString(bytes);

        return string.Create(CultureInfo.InvariantCulture,
            $"case {@case.Index} of seed {@case.Seed} ({@case.Kind}); mutations: {@case.Mutations}\n" +
            $"arguments: [{string.Join(", ", @case.Arguments.Select(a => "\"" + Show(a) + "\""))}]\n" +
            $"user file: {File(@case.UserFile)}\nproject file: {File(@case.ProjectFile)}");
    }
}
