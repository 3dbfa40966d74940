// Placeholder until the desktop shell exists.
console.log('Greffier: the desktop shell is not built yet. Use the CLI: npx greffier --help');
