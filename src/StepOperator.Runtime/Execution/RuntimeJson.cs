using System.Text.Json;
using System.Text.Json.Serialization;

namespace StepOperator.Execution;

/// <summary>
/// Source-generated JSON for the records between a run and its step processes (the invocation record a run writes,
/// which a step process reads with <see cref="InvocationRecordReader"/>, and the error record a step process writes),
/// without reflection metadata; the JSON is the same as <see cref="Artifacts.ArtifactSerializer.Options"/> writes.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General, IncludeFields = true)]
[JsonSerializable(typeof(InvocationRecord))]
[JsonSerializable(typeof(StepErrorRecord))]
internal sealed partial class RuntimeJson : JsonSerializerContext;
