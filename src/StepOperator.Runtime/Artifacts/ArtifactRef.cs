using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StepOperator.Artifacts;

/// <summary>A reference to an artifact: where it is, what type it holds and how it is laid out.</summary>
/// <param name="Key">The key in the run's artifact store.</param>
/// <param name="Type">The .NET type's full name.</param>
/// <param name="Format">Json or Binary.</param>
internal sealed record ArtifactRef(
    string Key,
    string Type,
    ArtifactFormat Format)
{
    /// <summary>The reference to an artifact of <paramref name="type"/> stored under <paramref name="key"/>.</summary>
    public static ArtifactRef For(ArtifactKey key, Type type) =>
        new(key.Value, ArtifactSerializer.TypeName(type), ArtifactSerializer.FormatOf(type));
}

/// <summary>
/// Writes <see cref="ArtifactFormat"/> by name, as JsonStringEnumConverter would, without building an enum
/// converter first (every step process reads one of these at start-up). Reads names in any case and numbers.
/// </summary>
internal sealed class ArtifactFormatJsonConverter : JsonConverter<ArtifactFormat>
{
    /// <summary>What a stored artifact format may be, for error messages.</summary>
    internal const string Expected = "an artifact format is \"" + nameof(ArtifactFormat.Json) + "\" or \"" + nameof(ArtifactFormat.Binary) + "\"";

    public override ArtifactFormat Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var number = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : (int?)null;
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return TryParse(number, name, out var format)
            ? format
            : throw new JsonException(char.ToUpperInvariant(Expected[0]) + Expected[1..] + ".");
    }

    /// <summary>A format given as a defined number or as a name in any case.</summary>
    internal static bool TryParse(int? number, string? name, out ArtifactFormat format)
    {
        if (number is { } n && Enum.IsDefined((ArtifactFormat)n))
        {
            format = (ArtifactFormat)n;
            return true;
        }

        if (string.Equals(name, nameof(ArtifactFormat.Json), StringComparison.OrdinalIgnoreCase))
        {
            format = ArtifactFormat.Json;
            return true;
        }

        if (string.Equals(name, nameof(ArtifactFormat.Binary), StringComparison.OrdinalIgnoreCase))
        {
            format = ArtifactFormat.Binary;
            return true;
        }

        format = default;
        return false;
    }

    public override void Write(Utf8JsonWriter writer, ArtifactFormat value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value switch
        {
            ArtifactFormat.Json => nameof(ArtifactFormat.Json),
            ArtifactFormat.Binary => nameof(ArtifactFormat.Binary),
            _ => throw new JsonException($"Unknown artifact format {(int)value}."),
        });
}
