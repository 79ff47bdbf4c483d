using System.Text.Json.Serialization;

namespace StepOperator.Artifacts;

/// <summary>A reference to an artifact: where it is, what type it holds and how it is laid out.</summary>
/// <param name="Key">The key in the run's artifact store.</param>
/// <param name="Type">The .NET type's full name.</param>
/// <param name="Format">Json or Binary.</param>
public sealed record ArtifactRef(
    string Key,
    string Type,
    ArtifactFormat Format)
{
    /// <summary>The reference to an artifact of <paramref name="type"/> stored under <paramref name="key"/>.</summary>
    public static ArtifactRef For(ArtifactKey key, System.Type type) =>
        new(key.Value, ArtifactSerializer.TypeName(type), ArtifactSerializer.FormatOf(type));
}

/// <summary>
/// Writes <see cref="ArtifactFormat"/> by name, as JsonStringEnumConverter would, without building an enum
/// converter first (every step process reads one of these at start-up). Reads names in any case and numbers.
/// </summary>
internal sealed class ArtifactFormatJsonConverter : JsonConverter<ArtifactFormat>
{
    public override ArtifactFormat Read(ref System.Text.Json.Utf8JsonReader reader, System.Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        if (reader.TokenType == System.Text.Json.JsonTokenType.Number && reader.TryGetInt32(out var number) && System.Enum.IsDefined((ArtifactFormat)number))
        {
            return (ArtifactFormat)number;
        }

        if (reader.TokenType == System.Text.Json.JsonTokenType.String)
        {
            var name = reader.GetString();
            if (string.Equals(name, nameof(ArtifactFormat.Json), System.StringComparison.OrdinalIgnoreCase))
            {
                return ArtifactFormat.Json;
            }

            if (string.Equals(name, nameof(ArtifactFormat.Binary), System.StringComparison.OrdinalIgnoreCase))
            {
                return ArtifactFormat.Binary;
            }
        }

        throw new System.Text.Json.JsonException($"An artifact format is \"{nameof(ArtifactFormat.Json)}\" or \"{nameof(ArtifactFormat.Binary)}\".");
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, ArtifactFormat value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value switch
        {
            ArtifactFormat.Json => nameof(ArtifactFormat.Json),
            ArtifactFormat.Binary => nameof(ArtifactFormat.Binary),
            _ => throw new System.Text.Json.JsonException($"Unknown artifact format {(int)value}."),
        });
}
