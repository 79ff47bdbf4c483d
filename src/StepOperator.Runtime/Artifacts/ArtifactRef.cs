using System.Text.Json.Serialization;

namespace StepOperator.Artifacts;

/// <summary>A reference to an artifact: where it is, what type it holds and how it is laid out.</summary>
/// <param name="Key">The key in the run's artifact store.</param>
/// <param name="Type">The .NET type's full name.</param>
/// <param name="Format">Json or Binary.</param>
public sealed record ArtifactRef(
    string Key,
    string Type,
    [property: JsonConverter(typeof(JsonStringEnumConverter<ArtifactFormat>))] ArtifactFormat Format)
{
    /// <summary>The reference to an artifact of <paramref name="type"/> stored under <paramref name="key"/>.</summary>
    public static ArtifactRef For(ArtifactKey key, System.Type type) =>
        new(key.Value, ArtifactSerializer.TypeName(type), ArtifactSerializer.FormatOf(type));
}
