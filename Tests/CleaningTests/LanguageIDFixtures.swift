/// Short technical-documentation paragraphs, one per shipped language, written for these tests (not taken from
/// the training text or any other source), so they are held out by construction.
enum LanguageIDFixtures {
    static let paragraphs: [(label: String, text: String)] = [
        ("en", "The command reads the configuration file, checks every option and prints an error message when a value is missing. Use the verbose flag to see which files were opened."),
        ("de", "Der Befehl liest die Konfigurationsdatei, prüft jede Option und gibt eine Fehlermeldung aus, wenn ein Wert fehlt. Mit der ausführlichen Option sehen Sie, welche Dateien geöffnet wurden."),
        ("fr", "La commande lit le fichier de configuration, vérifie chaque option et affiche un message d'erreur lorsqu'une valeur est absente. Utilisez l'option détaillée pour voir quels fichiers ont été ouverts."),
        ("es", "El comando lee el archivo de configuración, comprueba cada opción y muestra un mensaje de error cuando falta un valor. Utilice la opción detallada para ver qué archivos se han abierto."),
        ("it", "Il comando legge il file di configurazione, controlla ogni opzione e stampa un messaggio di errore quando manca un valore. Usare l'opzione dettagliata per vedere quali file sono stati aperti."),
        ("pt", "O comando lê o arquivo de configuração, verifica cada opção e imprime uma mensagem de erro quando falta um valor. Use a opção detalhada para ver quais arquivos foram abertos."),
        ("nl", "De opdracht leest het configuratiebestand, controleert elke optie en toont een foutmelding wanneer een waarde ontbreekt. Gebruik de uitgebreide optie om te zien welke bestanden zijn geopend."),
        ("pl", "Polecenie odczytuje plik konfiguracyjny, sprawdza każdą opcję i wypisuje komunikat o błędzie, gdy brakuje wartości. Użyj opcji szczegółowej, aby zobaczyć, które pliki zostały otwarte."),
        ("cs", "Příkaz načte konfigurační soubor, zkontroluje každou volbu a vypíše chybovou zprávu, pokud nějaká hodnota chybí. Použijte podrobný režim, abyste viděli, které soubory byly otevřeny."),
        ("ru", "Команда читает файл конфигурации, проверяет каждый параметр и выводит сообщение об ошибке, если значение отсутствует. Используйте подробный режим, чтобы увидеть, какие файлы были открыты."),
        ("ja", "このコマンドは設定ファイルを読み込み、各オプションを確認し、値が足りない場合はエラーメッセージを表示します。どのファイルが開かれたかを見るには詳細オプションを使ってください。"),
        ("zh", "该命令读取配置文件，检查每个选项，并在缺少某个值时显示错误信息。使用详细选项可以查看打开了哪些文件。"),
        ("zh-Hant", "該命令讀取設定檔，檢查每個選項，並在缺少某個值時顯示錯誤訊息。使用詳細選項可以查看開啟了哪些檔案。"),
    ]
}
