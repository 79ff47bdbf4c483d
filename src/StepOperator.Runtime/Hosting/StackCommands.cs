using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Flavors;

namespace StepOperator.Hosting;

/// <summary><c>stack register|update|activate|list|describe|delete</c>, mirroring <c>zenml stack ...</c>.</summary>
internal static class StackCommands
{
    public const string Name = "stack";

    public static Command Create(TextWriter output, HostContext context)
    {
        var command = new Command(Name, "Register, change, activate and inspect stacks.");
        var componentOptions = ComponentTypes.All.ToDictionary(
            type => type,
            type => new Option<string?>($"--{type.CommandName()}", type.StackOption()) { Description = $"The stack's {type.CommandName()}." });

        var registerName = new Argument<string>("name") { Description = "The stack's name." };
        var register = new Command("register", "Registers a stack from registered components (orchestrator and artifact store default to 'local').") { registerName };
        foreach (var option in componentOptions.Values)
        {
            register.Options.Add(option);
        }

        register.SetAction(parse =>
        {
            var name = parse.GetValue(registerName)!;
            var file = context.OpenUserFile();
            var configuration = context.LoadConfiguration();
            if (configuration.FindStack(name) is not null)
            {
                throw new StackConfigurationException($"Stack '{name}' already exists. Change it with: {ProgramCommands.Prefix} stack update {name} ...");
            }

            var stack = new StackDefinition(name, StackConfiguration.LocalName, StackConfiguration.LocalName);
            stack = Apply(stack, parse, componentOptions, configuration);
            file.SetStack(stack);
            file.Save();
            output.WriteLine($"Registered stack '{name}'.");
            Describe(stack, configuration, output);
        });
        command.Subcommands.Add(register);

        var updateName = new Argument<string>("name") { Description = "The stack's name." };
        var update = new Command("update", "Changes a stack's components.") { updateName };
        foreach (var option in componentOptions.Values)
        {
            update.Options.Add(option);
        }

        update.SetAction(parse =>
        {
            var name = parse.GetValue(updateName)!;
            var file = context.OpenUserFile();
            var configuration = context.LoadConfiguration();
            var stack = Registered(name, configuration);
            if (StackConfiguration.IsBuiltInStack(name))
            {
                throw new StackConfigurationException($"Stack '{name}' is built in and cannot be changed. Register your own: {ProgramCommands.Prefix} stack register <name> ...");
            }

            stack = Apply(stack, parse, componentOptions, configuration);
            file.SetStack(stack);
            file.Save();
            output.WriteLine($"Updated stack '{name}'.");
            Describe(stack, configuration, output);
        });
        command.Subcommands.Add(update);

        var activateName = new Argument<string>("name") { Description = "The stack's name." };
        var activate = new Command("activate", "Makes a stack the one runs use when --stack is not given.") { activateName };
        activate.SetAction(parse =>
        {
            var file = context.OpenUserFile();
            var stack = Registered(parse.GetValue(activateName)!, context.LoadConfiguration());
            file.SetActiveStack(stack.Name);
            file.Save();
            output.WriteLine($"Active stack: '{stack.Name}'.");
        });
        command.Subcommands.Add(activate);

        var list = new Command("list", "Lists the stacks; * marks the active one.");
        list.SetAction(_ =>
        {
            var configuration = context.LoadConfiguration();
            foreach (var stack in configuration.Stacks.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                var active = string.Equals(stack.Name, configuration.ActiveStack, StringComparison.OrdinalIgnoreCase) ? "*" : " ";
                output.WriteLine($"{active} {stack.Name,-16} orchestrator {stack.Orchestrator}, step operator {stack.StepOperator ?? "-"}, artifact store {stack.ArtifactStore}" +
                    $", container registry {stack.ContainerRegistry ?? "-"}, image builder {stack.ImageBuilder ?? "-"}");
            }
        });
        command.Subcommands.Add(list);

        var describeName = new Argument<string?>("name") { Description = "The stack's name (default: the active stack).", Arity = ArgumentArity.ZeroOrOne };
        var describe = new Command("describe", "Shows a stack's components and their settings (secrets masked).") { describeName };
        describe.SetAction(parse =>
        {
            var configuration = context.LoadConfiguration();
            var stack = Registered(parse.GetValue(describeName) ?? configuration.ActiveStack, configuration);
            Describe(stack, configuration, output);
        });
        command.Subcommands.Add(describe);

        var deleteName = new Argument<string>("name") { Description = "The stack's name." };
        var delete = new Command("delete", "Deletes a registered stack (not the active one).") { deleteName };
        delete.SetAction(parse =>
        {
            var name = parse.GetValue(deleteName)!;
            var file = context.OpenUserFile();
            var configuration = context.LoadConfiguration();
            Registered(name, configuration);
            if (StackConfiguration.IsBuiltInStack(name))
            {
                throw new StackConfigurationException($"Stack '{name}' is built in and cannot be deleted.");
            }

            if (string.Equals(name, configuration.ActiveStack, StringComparison.OrdinalIgnoreCase))
            {
                throw new StackConfigurationException($"Stack '{name}' is active. Activate another first: {ProgramCommands.Prefix} stack activate local.");
            }

            file.RemoveStack(name);
            file.Save();
            output.WriteLine($"Deleted stack '{name}'.");
        });
        command.Subcommands.Add(delete);
        return command;
    }

    public static StackDefinition Registered(string name, StackConfiguration configuration) =>
        configuration.FindStack(name) ?? throw new UnknownNameException(
            $"Unknown stack '{name}'. Available stacks: {string.Join(", ", configuration.Stacks.Keys)}.{MissingPackageHint(name)}");

    /// <summary>
    /// For a stack named like a flavor of a package the program does not reference (<c>--stack modal</c> without
    /// StepOperator.Modal): the package that brings it, whose flavor pictures or makes such a stack.
    /// </summary>
    private static string MissingPackageHint(string name) =>
        ComponentTypes.All
            .Where(type => FlavorCatalog.Find(type, name) is null)
            .Select(type => FlavorCatalog.PackageOf(type, name))
            .FirstOrDefault(package => package is not null) is { } package
            ? $" The {name} flavors come with package {package}, which this program does not reference: dotnet add package {package}"
            : string.Empty;

    private static StackDefinition Apply(
        StackDefinition stack, ParseResult parse, Dictionary<ComponentType, Option<string?>> options, StackConfiguration configuration)
    {
        foreach (var (type, option) in options)
        {
            if (parse.GetValue(option) is { } name)
            {
                var component = ComponentCommands.Registered(type, name, configuration);
                stack = stack.With(type, component.Name);
            }
        }

        return stack;
    }

    private static void Describe(StackDefinition stack, StackConfiguration configuration, TextWriter output)
    {
        var active = string.Equals(stack.Name, configuration.ActiveStack, StringComparison.OrdinalIgnoreCase) ? " (active)" : string.Empty;
        output.WriteLine($"Stack '{stack.Name}'{active}");
        foreach (var type in ComponentTypes.All)
        {
            if (stack.ComponentOf(type) is not { } name)
            {
                output.WriteLine($"  {type.CommandName()}: -");
                continue;
            }

            var component = configuration.FindComponent(type, name);
            output.WriteLine(component is null
                ? $"  {type.CommandName()}: {name} (not registered)"
                : $"  {type.CommandName()}: {name} ({component.Flavor}){string.Concat(component.ShownSettings.Select(pair => $", {ComponentDefinition.ToOptionName(pair.Key)}={pair.Value}"))}");
        }
    }
}
