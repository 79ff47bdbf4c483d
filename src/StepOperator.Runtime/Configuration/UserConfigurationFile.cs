using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StepOperator.Configuration;

/// <summary>
/// The user-level configuration file that registration commands write: components (with their
/// secrets), stacks and the active stack. Created and kept readable by its owner only (0600).
/// </summary>
public sealed class UserConfigurationFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly JsonObject _root;

    private UserConfigurationFile(string path, JsonObject root)
    {
        Path = path;
        _root = root;
    }

    public string Path { get; }

    public static UserConfigurationFile Open(string path)
    {
        if (!File.Exists(path))
        {
            return new UserConfigurationFile(path, new JsonObject());
        }

        try
        {
            return new UserConfigurationFile(path, JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? new JsonObject());
        }
        catch (JsonException e)
        {
            throw new StackConfigurationException($"{path} is not valid JSON ({e.Message}). Fix or remove it; nothing was changed.");
        }
    }

    public void SetComponent(ComponentDefinition component)
    {
        var section = Section(component.Type.SectionName());
        var entry = new JsonObject { ["Flavor"] = component.Flavor };
        foreach (var (key, value) in component.Settings.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            entry[key] = value;
        }

        section[component.Name] = entry;
    }

    public bool RemoveComponent(ComponentType type, string name) => Section(type.SectionName()).Remove(KeyOf(Section(type.SectionName()), name));

    public void SetStack(StackDefinition stack)
    {
        var entry = new JsonObject
        {
            ["Orchestrator"] = stack.Orchestrator,
            ["ArtifactStore"] = stack.ArtifactStore,
        };
        if (stack.StepOperator is not null)
        {
            entry["StepOperator"] = stack.StepOperator;
        }

        if (stack.ContainerRegistry is not null)
        {
            entry["ContainerRegistry"] = stack.ContainerRegistry;
        }

        if (stack.ImageBuilder is not null)
        {
            entry["ImageBuilder"] = stack.ImageBuilder;
        }

        Section("Stacks")[stack.Name] = entry;
    }

    public bool RemoveStack(string name) => Section("Stacks").Remove(KeyOf(Section("Stacks"), name));

    public void SetActiveStack(string name) => _root["ActiveStack"] = name;

    /// <summary>Writes the file, readable and writable by its owner only.</summary>
    public void Save()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".partial";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(_root.ToJsonString(Indented));
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    private JsonObject Section(string name)
    {
        if (_root[name] is JsonObject section)
        {
            return section;
        }

        section = new JsonObject();
        _root[name] = section;
        return section;
    }

    private static string KeyOf(JsonObject section, string name) =>
        section.Select(pair => pair.Key).FirstOrDefault(key => string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) ?? name;
}
