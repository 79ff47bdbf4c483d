using System.Text.Json;
using System.Text.Json.Serialization;

namespace StepOperator.Runs;

/// <summary>
/// Source-generated JSON for the records a step process reads and writes itself, so it starts without
/// building reflection metadata; the JSON is the same as <see cref="Artifacts.ArtifactSerializer.Options"/> writes.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General, IncludeFields = true)]
[JsonSerializable(typeof(InvocationRecord))]
[JsonSerializable(typeof(StepErrorRecord))]
internal sealed partial class RuntimeJson : JsonSerializerContext;
