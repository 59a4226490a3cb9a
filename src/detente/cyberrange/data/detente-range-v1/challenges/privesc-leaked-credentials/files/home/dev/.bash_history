ls -la
cd /var/www
git pull
mysql -u root -p'Winter9227!' -e 'show databases'
history -c
vim config.php
