using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using StepOperator.Components;
using StepOperator.Flavors;

namespace StepOperator.Configuration;

/// <summary>
/// A configuration file (the user-level file or a project's stepoperator.json) as read and checked before the
/// configuration system sees it. A file that is not what StepOperator reads is refused with one line,
/// <c>file:line:column: problem and fix</c> (the column counts characters): not UTF-8, not JSON, empty, not one
/// object, a name given twice, a key StepOperator does not know, or a value of the wrong kind. Unknown keys are
/// refused, as registration refuses a setting its flavor does not take and a run refuses an override of a setting
/// that does not exist, so a misspelt key never goes unnoticed. Reading never changes the file.
/// </summary>
/// <param name="Path">Where the file is.</param>
/// <param name="Json">Its bytes, without a UTF-8 byte order mark.</param>
/// <param name="HasComments">Whether it has comments (which a rewrite would drop).</param>
/// <param name="Flavors">The flavor each component it declares has, by type and lower-case name.</param>
/// <param name="Unflavored">Components it gives no flavor whose flavor it cannot know (another file or a variable may give it), with where they are.</param>
internal sealed record ConfigurationFile(
    string Path,
    byte[] Json,
    bool HasComments,
    IReadOnlyDictionary<(ComponentType Type, string Name), string> Flavors,
    IReadOnlyList<(ComponentType Type, string Name, string Where)> Unflavored)
{
    /// <summary>JSON as the configuration system reads it (Microsoft.Extensions.Configuration.Json): comments and trailing commas allowed.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private const string StacksSection = "Stacks";
    private const string StepsSection = "Steps";
    private const string ActiveStackKey = "ActiveStack";
    private const string FlavorKey = "Flavor";

    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    /// <summary>The keys of the file's top level.</summary>
    public static IReadOnlyList<string> Sections { get; } =
        new[] { ActiveStackKey }.Concat(ComponentTypes.All.Select(type => type.SectionName())).Concat([StacksSection, StepsSection]).ToList();

    /// <summary>
    /// The file at <paramref name="path"/>, checked; null when there is none. <paramref name="knownFlavors"/> are the
    /// flavors of components declared by files read before this one, so settings of a component declared there can
    /// be checked here too.
    /// </summary>
    /// <exception cref="StackConfigurationException">The file cannot be read or is not a configuration StepOperator reads.</exception>
    public static ConfigurationFile? Read(string path, IReadOnlyDictionary<(ComponentType Type, string Name), string>? knownFlavors = null)
    {
        if (Directory.Exists(path))
        {
            throw new StackConfigurationException($"{path}: this is a folder, where a configuration file was expected. Move it away, or point {StackConfiguration.ConfigPathVariable} at a file.");
        }

        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StackConfigurationException($"{path}: cannot be read ({e.Message}). Make it readable by you.");
        }

        var json = bytes.AsSpan().StartsWith(ByteOrderMark) ? bytes[ByteOrderMark.Length..] : bytes;
        var checker = new Checker(path, json, knownFlavors ?? new Dictionary<(ComponentType, string), string>());
        checker.Check();
        return new ConfigurationFile(path, json, checker.HasComments, checker.Flavors, checker.Unflavored);
    }

    /// <summary>
    /// Refuses, at its place in its file, a component that no file, built-in or STEPOPERATOR_ variable gives a
    /// flavor (files are read one by one, and a later one may give the flavor of an earlier one's component).
    /// </summary>
    public static void CheckFlavors(params ConfigurationFile?[] files)
    {
        var read = files.OfType<ConfigurationFile>().ToList();
        var variables = Environment.GetEnvironmentVariables().Keys.OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (type, name, where) in read.SelectMany(file => file.Unflavored))
        {
            if (!read.Any(file => file.Flavors.ContainsKey((type, name.ToLowerInvariant())))
                && !variables.Contains($"STEPOPERATOR_{type.SectionName()}__{name}__{FlavorKey}"))
            {
                throw new StackConfigurationException(
                    $"{where}: {type.CommandName()} '{name}' has no {FlavorKey}. Add \"{FlavorKey}\": \"<{string.Join("|", FlavorCatalog.KnownNames(type))}>\" to it.");
            }
        }
    }

    /// <summary>Walks the file once with a JSON reader, which knows where each token starts.</summary>
    private sealed class Checker(string path, byte[] json, IReadOnlyDictionary<(ComponentType Type, string Name), string> knownFlavors)
    {
        public bool HasComments { get; private set; }

        public Dictionary<(ComponentType Type, string Name), string> Flavors { get; } = new();

        public List<(ComponentType Type, string Name, string Where)> Unflavored { get; } = new();

        public void Check()
        {
            if (Utf8.ToUtf16(json, new char[json.Length], out var valid, out _, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                throw Problem(valid, $"not UTF-8 text (byte 0x{json[valid]:X2}). Save the file as UTF-8");
            }

            if (json.AsSpan().IndexOfAnyExcept(" \t\r\n"u8) < 0)
            {
                throw Problem(json.Length, "the file is empty. Write {} for an empty configuration, or delete the file");
            }

            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Allow, AllowTrailingCommas = true });
            try
            {
                Root(ref reader);
            }
            catch (JsonException e)
            {
                throw Problem(Offset(e.LineNumber ?? 0, e.BytePositionInLine ?? 0), $"not valid JSON: {Describe(e)}. Correct the JSON there");
            }
        }

        private void Root(ref Utf8JsonReader reader)
        {
            Next(ref reader);
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Problem(reader.TokenStartIndex, $"the configuration is {Kind(reader.TokenType)}; it must be one object: {{ \"Stacks\": {{ ... }}, ... }}");
            }

            Object(ref reader, string.Empty, (ref Utf8JsonReader value, string key, long at) =>
            {
                if (string.Equals(key, ActiveStackKey, StringComparison.OrdinalIgnoreCase))
                {
                    Text(ref value, key);
                }
                else if (ComponentTypes.All.Cast<ComponentType?>().FirstOrDefault(t => string.Equals(t!.Value.SectionName(), key, StringComparison.OrdinalIgnoreCase)) is { } type)
                {
                    Named(ref value, key, (ref Utf8JsonReader entry, string name, long nameAt) => Component(ref entry, type, key, name, nameAt));
                }
                else if (string.Equals(key, StacksSection, StringComparison.OrdinalIgnoreCase))
                {
                    Named(ref value, key, (ref Utf8JsonReader entry, string name, long _) => Keyed(ref entry, $"{key}:{name}", "stack",
                        ComponentTypes.All.Select(t => t.ToString()).ToList(), (ref Utf8JsonReader text, string textPath) => Text(ref text, textPath)));
                }
                else if (string.Equals(key, StepsSection, StringComparison.OrdinalIgnoreCase))
                {
                    Named(ref value, key, (ref Utf8JsonReader entry, string name, long _) => Keyed(ref entry, $"{key}:{name}", "step",
                        StepOverrides.Properties, Scalar));
                }
                else
                {
                    throw Problem(at, $"'{key}' is not a configuration section. Sections: {string.Join(", ", Sections)}; rename or remove it");
                }
            });

            Next(ref reader, endAllowed: true);
        }

        private void Component(ref Utf8JsonReader reader, ComponentType type, string section, string name, long nameAt)
        {
            var where = $"{section}:{name}";
            string? flavor = null;
            var flavorAt = 0L;
            var settings = new List<(string Key, long At)>();
            var flavors = FlavorCatalog.KnownNames(type);
            Expect(ref reader, JsonTokenType.StartObject, where, $"an object of the component's settings: {{ \"{FlavorKey}\": \"{flavors[0]}\", ... }}");
            Object(ref reader, where, (ref Utf8JsonReader value, string key, long at) =>
            {
                if (string.Equals(key, FlavorKey, StringComparison.OrdinalIgnoreCase))
                {
                    flavor = Text(ref value, $"{where}:{key}");
                    flavorAt = value.TokenStartIndex;
                }
                else
                {
                    Scalar(ref value, $"{where}:{key}");
                    settings.Add((key, at));
                }
            });

            if (flavor is not null && !flavors.Contains(flavor, StringComparer.Ordinal))
            {
                throw Problem(flavorAt, $"{where}:{FlavorKey} '{flavor}' is not a flavor of {type.CommandName()}. Flavors: {FlavorCatalog.Describe(type)}");
            }

            var known = flavor
                ?? knownFlavors.GetValueOrDefault((type, name.ToLowerInvariant()))
                ?? (FlavorCatalog.IsBuiltIn(type, name) ? name.ToLowerInvariant() : null)
                ?? (flavors.Count == 1 ? flavors[0] : null);
            if (flavor is not null)
            {
                Flavors[(type, name.ToLowerInvariant())] = flavor;
            }

            // Without a flavor (a later file or a variable may give it) the settings cannot be judged here.
            if (known is null)
            {
                var (line, column) = Position(nameAt);
                Unflavored.Add((type, name, $"{path}:{line}:{column}"));
                return;
            }

            // A flavor of a package the program does not reference: its settings are judged where it is used.
            if (FlavorCatalog.Find(type, known) is null)
            {
                return;
            }

            var accepted = FlavorSettings.Of(type, known);
            foreach (var (key, at) in settings.Where(setting => !accepted.Contains(setting.Key, StringComparer.OrdinalIgnoreCase)))
            {
                throw Problem(at, $"'{key}' is not a setting that {type.CommandName()} flavor '{known}' can use ({where}). " +
                    $"It takes: {(accepted.Count == 0 ? "none" : string.Join(", ", accepted))}; rename or remove it");
            }
        }

        /// <summary>An object whose keys are one of <paramref name="keys"/>, each value checked by <paramref name="value"/>.</summary>
        private void Keyed(ref Utf8JsonReader reader, string path, string what, IReadOnlyList<string> keys, ValueCheck value)
        {
            Expect(ref reader, JsonTokenType.StartObject, path, $"an object of the {what}'s settings: {{ \"{keys[0]}\": ... }}");
            Object(ref reader, path, (ref Utf8JsonReader entry, string key, long at) =>
            {
                if (!keys.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    throw Problem(at, $"'{key}' is not a {what} setting ({path}). Settings: {string.Join(", ", keys)}; rename or remove it");
                }

                value(ref entry, $"{path}:{key}");
            });
        }

        /// <summary>A section of named entries (components, stacks, steps).</summary>
        private void Named(ref Utf8JsonReader reader, string section, PropertyCheck entry)
        {
            Expect(ref reader, JsonTokenType.StartObject, section, "an object of named entries: { \"name\": { ... } }");
            Object(ref reader, section, (ref Utf8JsonReader value, string name, long at) =>
            {
                if (name.Trim().Length == 0 || name.Contains(':', StringComparison.Ordinal))
                {
                    throw Problem(at, $"'{name}' cannot be a name in {section}: names are not empty and have no ':' (the configuration's separator); rename it");
                }

                entry(ref value, name, at);
            });
        }

        /// <summary>The properties of the object the reader is at, each name once (names are not case-sensitive).</summary>
        private void Object(ref Utf8JsonReader reader, string path, PropertyCheck property)
        {
            var seen = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
            while (true)
            {
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    return;
                }

                var at = reader.TokenStartIndex;
                var key = ReadText(ref reader);
                var where = path.Length == 0 ? key : $"{path}:{key}";
                if (seen.TryGetValue(key, out var first))
                {
                    throw Problem(at, $"'{where}' is given twice (also at line {Position(first).Line}; names are not case-sensitive). Keep one");
                }

                seen[key] = at;
                Next(ref reader);
                property(ref reader, key, at);
            }
        }

        private string Text(ref Utf8JsonReader reader, string path)
        {
            Expect(ref reader, JsonTokenType.String, path, "text in quotes");
            return ReadText(ref reader);
        }

        private void Scalar(ref Utf8JsonReader reader, string path)
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False))
            {
                throw Problem(reader.TokenStartIndex, $"{path} is {Kind(reader.TokenType)}; it must be a value: text in quotes, a number, true or false");
            }

            if (reader.TokenType == JsonTokenType.String)
            {
                ReadText(ref reader);
            }
        }

        private void Expect(ref Utf8JsonReader reader, JsonTokenType expected, string path, string what)
        {
            if (reader.TokenType != expected)
            {
                throw Problem(reader.TokenStartIndex, $"{path} is {Kind(reader.TokenType)}; it must be {what}");
            }
        }

        private string ReadText(ref Utf8JsonReader reader)
        {
            try
            {
                return reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw Problem(reader.TokenStartIndex, "this text has a \\u escape that is not a character (half of a surrogate pair). Write the character itself");
            }
        }

        /// <summary>The next token that is not a comment; false only at the end, where <paramref name="endAllowed"/>.</summary>
        private void Next(ref Utf8JsonReader reader, bool endAllowed = false)
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.Comment)
                {
                    if (endAllowed)
                    {
                        throw Problem(reader.TokenStartIndex, "more after the configuration's closing }. Remove it");
                    }

                    return;
                }

                HasComments = true;
            }

            if (!endAllowed)
            {
                throw Problem(json.Length, "the file ends early. Close every { and [ it opens");
            }
        }

        private StackConfigurationException Problem(long offset, string problem)
        {
            var (line, column) = Position(offset);
            return new StackConfigurationException($"{path}:{line}:{column}: {problem}.");
        }

        /// <summary>The 1-based line and column (in characters) of a byte offset.</summary>
        private (int Line, int Column) Position(long offset)
        {
            var before = json.AsSpan(0, (int)Math.Min(offset, json.Length));
            var lineStart = before.LastIndexOf((byte)'\n') + 1;
            var line = before.Count((byte)'\n') + 1;
            var column = Encoding.UTF8.GetCharCount(before[lineStart..]) + 1;
            return (line, column);
        }

        /// <summary>The byte offset of a 0-based line and byte position in it, as a <see cref="JsonException"/> gives them.</summary>
        private long Offset(long line, long bytePosition)
        {
            var offset = 0;
            for (var i = 0L; i < line && offset < json.Length; i++)
            {
                var next = json.AsSpan(offset).IndexOf((byte)'\n');
                if (next < 0)
                {
                    break;
                }

                offset += next + 1;
            }

            return Math.Min(offset + bytePosition, json.Length);
        }

        /// <summary>A reader's message without the position it appends (the line says where).</summary>
        private static string Describe(JsonException e)
        {
            var message = e.Message;
            foreach (var tail in new[] { " LineNumber:", " Path:" })
            {
                var index = message.IndexOf(tail, StringComparison.Ordinal);
                if (index >= 0)
                {
                    message = message[..index];
                }
            }

            return message.Trim().TrimEnd('.', '|').TrimEnd();
        }

        private static string Kind(JsonTokenType token) => token switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "a list",
            JsonTokenType.String => "text",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "true or false",
            JsonTokenType.Null => "null",
            _ => "not a value",
        };
    }

    private delegate void PropertyCheck(ref Utf8JsonReader value, string key, long at);

    private delegate void ValueCheck(ref Utf8JsonReader value, string path);
}
